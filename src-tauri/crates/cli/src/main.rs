//! `scim-desk-cli`: the same engine and data folder as the desktop app, for scripting.
//! `SCIM_DESK_DATA_DIR` redirects the data folder. Secrets are never command-line arguments:
//! they come from an environment variable (`--token-env`) or standard input (`--token-stdin`).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use desk_engine::api::{AuthKind, ProviderInput, ProviderSummary};
use desk_engine::secrets::KeyringStore;
use desk_engine::{DataPaths, Desk, DeskError};

#[derive(Parser)]
#[command(
    name = "scim-desk-cli",
    version,
    about = "SCIM Desk on the command line"
)]
struct Cli {
    /// Output format for results and errors.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Configure SCIM service providers.
    #[command(subcommand)]
    Provider(ProviderCmd),
}

#[derive(Clone, Copy, ValueEnum)]
enum AuthArg {
    None,
    Bearer,
    Basic,
}

#[derive(Subcommand)]
enum ProviderCmd {
    /// Add a provider. The secret is read from --token-env VAR or --token-stdin.
    Add {
        name: String,
        #[arg(long)]
        url: String,
        #[arg(long, value_enum, default_value_t = AuthArg::Bearer)]
        auth: AuthArg,
        /// User name for basic authentication.
        #[arg(long)]
        username: Option<String>,
        /// Read the token or password from this environment variable.
        #[arg(long, conflicts_with = "token_stdin")]
        token_env: Option<String>,
        /// Read the token or password from the first line of standard input.
        #[arg(long)]
        token_stdin: bool,
        /// Do not verify TLS certificates (visible in `provider show`).
        #[arg(long)]
        insecure_skip_tls_verify: bool,
    },
    /// List configured providers.
    List,
    /// Show one provider.
    Show { name: String },
    /// Connect and print the capability profile, one line per capability.
    Test { name: String },
    /// Remove a provider and its keyring entry.
    Remove { name: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.format;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if format == Format::Json {
                let v = serde_json::to_string(&e.to_ipc()).unwrap_or_default();
                eprintln!("{v}");
            } else {
                eprintln!("error: {}", e.message());
                if let Some(d) = e.detail() {
                    eprintln!("  detail: {d}");
                }
            }
            ExitCode::from(1)
        }
    }
}

fn open() -> Result<Desk, DeskError> {
    Desk::open(
        DataPaths::from_env()?,
        Arc::new(KeyringStore::for_this_build()),
    )
}

fn runtime() -> Result<tokio::runtime::Runtime, DeskError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| DeskError::Internal(format!("could not start the async runtime: {e}")))
}

fn print_json(v: &impl serde::Serialize) -> Result<(), DeskError> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| DeskError::Internal(format!("could not write JSON: {e}")))?;
    println!("{s}");
    Ok(())
}

fn print_provider(p: &ProviderSummary) {
    println!("name:        {}", p.name);
    println!("url:         {}", p.base_url);
    println!("auth:        {}", p.auth_kind.as_str());
    if let Some(u) = &p.username {
        println!("username:    {u}");
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
        } else {
            "verified"
        }
    );
    println!("demo:        {}", if p.is_demo { "yes" } else { "no" });
    println!("added:       {}", p.created_at);
    println!(
        "last sync:   {}",
        p.last_sync_at.as_deref().unwrap_or("never")
    );
}

fn read_secret(token_env: Option<String>, token_stdin: bool) -> Result<Option<String>, DeskError> {
    if let Some(var) = token_env {
        return std::env::var(&var).map(Some).map_err(|_| {
            DeskError::InvalidInput(format!("the environment variable {var} is not set"))
        });
    }
    if token_stdin {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprint!("token: ");
            let _ = std::io::stderr().flush();
        }
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| DeskError::InvalidInput(format!("could not read standard input: {e}")))?;
        return Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()));
    }
    Ok(None)
}

fn run(cli: Cli) -> Result<(), DeskError> {
    let json = cli.format == Format::Json;
    match cli.command {
        Command::Provider(cmd) => {
            let desk = open()?;
            match cmd {
                ProviderCmd::Add {
                    name,
                    url,
                    auth,
                    username,
                    token_env,
                    token_stdin,
                    insecure_skip_tls_verify,
                } => {
                    let auth_kind = match auth {
                        AuthArg::None => AuthKind::None,
                        AuthArg::Bearer => AuthKind::Bearer,
                        AuthArg::Basic => AuthKind::Basic,
                    };
                    let secret = read_secret(token_env, token_stdin)?;
                    let p = desk.add_provider(ProviderInput {
                        name,
                        base_url: url,
                        auth_kind,
                        username,
                        secret,
                        tls_skip_verify: insecure_skip_tls_verify,
                    })?;
                    if json {
                        print_json(&p)?;
                    } else {
                        println!("added provider {:?} ({})", p.name, p.base_url);
                    }
                }
                ProviderCmd::List => {
                    let list = desk.list_providers()?;
                    if json {
                        print_json(&list)?;
                    } else if list.is_empty() {
                        println!(
                            "no providers configured; add one with `scim-desk-cli provider add`"
                        );
                    } else {
                        println!("{:<32} {:<8} URL", "NAME", "AUTH");
                        for p in list {
                            println!("{:<32} {:<8} {}", p.name, p.auth_kind.as_str(), p.base_url);
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
                ProviderCmd::Test { name } => {
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
                    }
                }
                ProviderCmd::Remove { name } => {
                    desk.remove_provider(&name)?;
                    if !json {
                        println!("removed provider {name:?} and its keyring entry");
                    }
                }
            }
        }
    }
    Ok(())
}
