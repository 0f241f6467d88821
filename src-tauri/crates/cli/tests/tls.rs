//! TLS verification against a local HTTPS provider whose certificate no public authority
//! signed: refused by default (in plain words, exit code 4), accepted once its certificate
//! authority is configured, and accepted with the visible "do not verify" switch, which
//! `provider show` (and the window's sidebar) then flags.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use desk_reference::{ProviderKind, ReferenceServer};

mod common;
use common::*;

/// An HTTPS front on 127.0.0.1 for a plain-HTTP upstream, with a fresh self-signed
/// certificate for 127.0.0.1. Runs on its own thread; returns its port and the certificate
/// (PEM), which is its own authority.
fn https_front(upstream: u16) -> (u16, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pem = cert.pem();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut up) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                });
            }
        });
    });
    (port, pem)
}

#[tokio::test]
async fn a_self_signed_provider_is_refused_then_trusted_with_its_authority_or_the_visible_switch() {
    let data = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let plain = url_port(server.base_url());
    let (port, pem) = https_front(plain);
    let https = server
        .base_url()
        .replace("http://", "https://")
        .replace(&format!(":{plain}"), &format!(":{port}"));
    let token = server.token().expose().clone();
    let env = [("T", token.as_str())];
    let add = |name: &str, extra: &[&str]| {
        let mut args = vec!["provider", "add", name, "--url", &https, "--token-env", "T"];
        args.extend_from_slice(extra);
        let o = cli(data.path(), &args, &env);
        assert!(o.status.success(), "{}", text(&o));
    };

    // Verified by default: refused, in words a person understands, as "unreachable" (4).
    add("strict", &[]);
    let o = cli(data.path(), &["provider", "test", "strict"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).to_lowercase().contains("certificate"),
        "{}",
        text(&o)
    );

    // With its certificate authority: verified and working.
    let ca = data.path().join("provider-ca.pem");
    std::fs::write(&ca, &pem).unwrap();
    add("trusted", &["--ca-file", ca.to_str().unwrap()]);
    let o = cli(data.path(), &["provider", "test", "trusted"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cli(data.path(), &["sync", "trusted"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&cli(data.path(), &["provider", "show", "trusted"], &[]));
    assert!(shown.contains("own certificate authority"), "{shown}");

    // A file that is not a certificate is refused before anything is saved.
    let junk = data.path().join("junk.pem");
    std::fs::write(&junk, "hello").unwrap();
    let o = cli(
        data.path(),
        &[
            "provider",
            "add",
            "junk",
            "--url",
            &https,
            "--token-env",
            "T",
            "--ca-file",
            junk.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a PEM certificate"), "{}", text(&o));

    // The insecure switch: accepted, and shown as not verified.
    add("loose", &["--insecure-skip-tls-verify"]);
    let o = cli(data.path(), &["provider", "test", "loose"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&cli(data.path(), &["provider", "show", "loose"], &[]));
    assert!(shown.contains("NOT VERIFIED"), "{shown}");
}

fn url_port(url: &str) -> u16 {
    let after = url.split("://").nth(1).unwrap();
    let host_port = after.split('/').next().unwrap();
    host_port.rsplit(':').next().unwrap().parse().unwrap()
}
