//! `provider add | edit | remove | list | show | test | relearn | override | …`.

use desk_engine::api::ProviderSummary;
use desk_engine::DeskError;

use crate::args::*;
use crate::session::*;

pub(crate) fn run(cmd: ProviderCmd, format: Format) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let desk = open()?;
    match cmd {
        ProviderCmd::Add { name, conn } => {
            let p = desk.add_provider(conn.into_input(name, None)?)?;
            if json {
                print_json(&p)?;
            } else {
                println!("added provider {:?} ({})", p.name, p.base_url);
            }
        }
        ProviderCmd::Edit { name, conn } => {
            let current = desk.provider(&name)?;
            let input = conn.into_input(name.clone(), Some(&current))?;
            let p = desk.update_provider(&name, input)?;
            if json {
                print_json(&p)?;
            } else {
                println!("updated provider {:?} ({})", p.name, p.base_url);
            }
        }
        ProviderCmd::Preset { name, preset } => {
            let p = desk_engine::providers::profiles::parse_preset(&preset).ok_or_else(|| {
                DeskError::InvalidInput(format!(
                    "\"{preset}\" is not a preset; choose one of: {}.",
                    scim_client_presets()
                ))
            })?;
            desk.set_preset(&name, p)?;
            println!("preset of {name:?} is now {preset}; run `provider test {name}` to apply it");
        }
        ProviderCmd::Override {
            name,
            settings,
            clear,
        } => {
            let mut o = if clear {
                Default::default()
            } else {
                desk.overrides(&name)?
            };
            for item in &settings {
                desk_engine::providers::profiles::parse_override(&mut o, item)?;
            }
            desk.set_overrides(&name, &o)?;
            if json {
                print_json(&o)?;
            } else {
                println!(
                    "overrides of {name:?}: {}",
                    serde_json::to_string(&o).unwrap_or_default()
                );
            }
        }
        ProviderCmd::List => {
            let list = desk.list_providers()?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no providers configured; add one with `scim-desk-cli provider add`");
            } else {
                println!("{:<32} {:<8} URL", "NAME", "AUTH");
                for p in list {
                    let plain = p.base_url.starts_with("http://");
                    let warn = match (p.allow_plain_http && plain, p.tls_skip_verify) {
                        (true, _) => "  NOT ENCRYPTED",
                        (_, true) => "  NOT VERIFIED",
                        _ => "",
                    };
                    println!(
                        "{:<32} {:<8} {}{warn}",
                        p.name,
                        p.auth_kind.as_str(),
                        p.base_url
                    );
                }
            }
        }
        ProviderCmd::Show { name } => {
            let p = desk.provider(&name)?;
            if json {
                print_json(&p)?;
            } else {
                print_provider(&p);
            }
        }
        ProviderCmd::Test { name, writes, yes } => {
            let report = runtime()?.block_on(desk.test_provider(&name))?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "connected to {} in {} ms",
                    report.base_url, report.elapsed_ms
                );
                for c in &report.capabilities {
                    println!("{}: {}", c.name, c.value);
                }
                println!("resource types: {}", report.resource_types.join(", "));
                for l in &report.learned {
                    println!("learned: {}", l.words);
                }
            }
            if writes {
                if !yes
                    && !confirm(&format!(
                        "Create a scratch user at {name:?} (inactive), change it, then \
                                 delete it?"
                    ))?
                {
                    return Err(DeskError::Cancelled);
                }
                let check = runtime()?.block_on(desk.write_check(&name))?;
                if json {
                    print_json(&check)?;
                } else {
                    for s in &check.steps {
                        let mark = if s.ok { "ok" } else { "FAILED" };
                        println!("write check, {}: {mark}: {}", s.step, s.detail);
                    }
                    for l in &check.learned {
                        println!("learned: {}", l.words);
                    }
                    for n in &check.not_kept {
                        println!("not kept: {} ({} records)", n.path, n.records);
                    }
                    if !check.cleaned_up {
                        println!("the scratch user could not be deleted: delete it by hand");
                    }
                }
            }
        }
        ProviderCmd::Relearn { name } => {
            let n = desk.relearn(&name)?;
            if json {
                print_json(&serde_json::json!({ "forgotten": n }))?;
            } else {
                println!("forgot {n} learned facts about {name:?}");
            }
        }
        ProviderCmd::Remove { name } => {
            desk.remove_provider(&name)?;
            if !json {
                println!("removed provider {name:?} and its keyring entry");
            }
        }
    }
    Ok(())
}

pub(crate) fn print_provider(p: &ProviderSummary) {
    println!("name:        {}", p.name);
    println!("url:         {}", p.base_url);
    println!("auth:        {}", p.auth_kind.as_str());
    if let Some(u) = &p.username {
        println!("username:    {u}");
    }
    if let Some(t) = &p.token_url {
        println!("token url:   {t}");
    }
    if let Some(s) = &p.scope {
        println!("scope:       {s}");
    }
    println!(
        "secret:      {}",
        if p.has_secret {
            "in the system keyring"
        } else {
            "none"
        }
    );
    println!(
        "tls:         {}",
        if p.tls_skip_verify {
            "NOT VERIFIED (insecure)"
        } else if p.ca_certificate.is_some() {
            "verified, with the provider's own certificate authority"
        } else {
            "verified"
        }
    );
    if p.base_url.starts_with("http://") {
        println!(
            "encryption:  {}",
            if p.allow_plain_http {
                "NOT ENCRYPTED (plain http switched on)"
            } else {
                "none (plain http to this computer only)"
            }
        );
    }
    println!("demo:        {}", if p.is_demo { "yes" } else { "no" });
    println!("added:       {}", p.created_at);
    println!(
        "last sync:   {}",
        p.last_sync_at.as_deref().unwrap_or("never")
    );
}

/// Every preset's name, for messages.
pub(crate) fn scim_client_presets() -> String {
    desk_engine::Preset::ALL
        .iter()
        .map(|p| desk_engine::providers::profiles::preset_name(*p))
        .collect::<Vec<_>>()
        .join(", ")
}
