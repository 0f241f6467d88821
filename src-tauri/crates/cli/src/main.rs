//! `scim-desk-cli`: the same engine and data folder as the desktop app, for scripting.
//! `SCIM_DESK_DATA_DIR` redirects the data folder. Secrets are never command-line arguments:
//! they come from an environment variable (`--token-env`) or standard input (`--token-stdin`).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use desk_engine::api::{AuthKind, ProviderInput, ProviderSummary};
use desk_engine::providers::secrets::KeyringStore;
use desk_engine::vocabulary::ChangeKind;
use desk_engine::write::spreadsheet::SafeCsv;
use desk_engine::{DataPaths, Desk, DeskError};

#[derive(Parser)]
#[command(
    name = "scim-desk-cli",
    version,
    about = "SCIM Desk on the command line",
    after_help = "Exit codes: 0 success; 1 the provider or SCIM Desk failed otherwise; 2 invalid \
                  input or usage; 3 not found; 4 provider unreachable (network, timeout, TLS); \
                  5 credentials refused; 6 the record changed meanwhile (nothing saved); \
                  7 local database or keyring unavailable; 8 a migration's verify found \
                  differences (or a run left failed operations); 9 a sync stored an incomplete \
                  copy (the provider stopped short of what it announced); 130 cancelled."
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
    Csv,
}

#[derive(Subcommand)]
enum Command {
    /// Configure SCIM service providers.
    #[command(subcommand)]
    Provider(ProviderCmd),
    /// Pull a provider's users, groups and memberships into a new local snapshot.
    Sync {
        name: String,
        /// Read only what changed since the latest snapshot (full sync where not possible).
        #[arg(long)]
        incremental: bool,
        /// Keep this many snapshots per provider from now on (older ones are pruned after
        /// each sync; the window uses the same setting).
        #[arg(long)]
        keep: Option<u32>,
    },
    /// List users: live from the provider, or from the latest snapshot with --offline.
    Users(ListArgs),
    /// List groups: live from the provider, or from the latest snapshot with --offline.
    Groups(ListArgs),
    /// One user or group by id: live from the provider, or from the latest snapshot.
    Get {
        name: String,
        id: String,
        /// Read a group instead of a user.
        #[arg(long)]
        group: bool,
        #[arg(long)]
        offline: bool,
    },
    /// One user or group across the snapshots: when it appeared, changed, disappeared.
    History {
        name: String,
        id: String,
        #[arg(long)]
        group: bool,
    },
    /// Export the latest snapshot: JSON (users and groups) or CSV (users).
    Export { name: String },
    /// Change attributes of one user or group: `set HR 2819c223 title="Head of People"
    /// name.familyName=Okafor`. Shows the request and asks first (unless --yes).
    Set {
        name: String,
        id: String,
        /// ATTRIBUTE=VALUE pairs; the value is JSON when it parses as JSON, text otherwise.
        #[arg(required = true)]
        changes: Vec<String>,
        #[arg(long)]
        group: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Revert the last edit saved through SCIM Desk on a provider.
    Undo {
        name: String,
        #[arg(long)]
        yes: bool,
    },
    /// The audit log of writes made through SCIM Desk.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Move users and groups from one provider to another (plan first; nothing is written by
    /// `plan`).
    #[command(subcommand)]
    Migrate(MigrateCmd),
    /// What changed between two snapshots (by default the two newest).
    Diff {
        name: String,
        /// The older snapshot number.
        #[arg(long)]
        from: Option<i64>,
        /// The newer snapshot number.
        #[arg(long)]
        to: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Print every entry (newest first) as CSV (default) or JSON (--format json).
    Export {
        /// Only this provider's entries.
        #[arg(long)]
        provider: Option<String>,
    },
}

#[derive(Subcommand)]
enum MigrateCmd {
    /// Match and map the latest copies of SOURCE and TARGET (sync both first) and save the
    /// ordered operations as a readable JSON plan. Nothing is sent to either provider.
    Plan {
        source: String,
        target: String,
        /// Where to write the plan.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Mapping rules (JSON: {"users": [{"attribute": "title", "drop": true}, …], "groups": […]}).
        #[arg(long)]
        rules: Option<std::path::PathBuf>,
        /// Deactivate users that only the target has (off by default).
        #[arg(long)]
        deactivate_target_only: bool,
        /// Deactivate, then delete users that only the target has (off by default; never
        /// planned from an incomplete read; none when more than --max-deletes).
        #[arg(long, conflicts_with = "deactivate_target_only")]
        delete_target_only: bool,
        /// The most deletes the plan may hold.
        #[arg(long, default_value_t = 10)]
        max_deletes: u32,
    },
    /// Run a reviewed plan against its target (asks first on a terminal unless --yes). Every
    /// operation is journaled; after a crash or Ctrl-C, `migrate resume` goes on.
    Run {
        plan: std::path::PathBuf,
        #[arg(long)]
        yes: bool,
    },
    /// Go on with an unfinished run (the newest, or ID): operations in doubt are settled by
    /// reading the target, failed ones are tried again.
    Resume { id: Option<i64> },
    /// Read SOURCE and TARGET again and compare them through the mapping: prints the
    /// differences that remain (as JSON with --format json, as CSV with --format csv) and exits
    /// with 8 while any remain.
    Verify {
        source: String,
        target: String,
        /// The mapping rules the plan used.
        #[arg(long)]
        rules: Option<std::path::PathBuf>,
        /// Any attribute the target did not keep is an error too (by default the target
        /// holding everything it keeps is a success, and what it does not keep is listed).
        #[arg(long)]
        strict: bool,
    },
    /// A run's operations with their state and the ID map (--format json or csv).
    Report { id: Option<i64> },
}

#[derive(clap::Args)]
struct ListArgs {
    name: String,
    /// A SCIM filter, e.g. 'title co "Engineer" and active eq true'.
    #[arg(long)]
    filter: Option<String>,
    /// Sort by an attribute, e.g. userName or name.familyName.
    #[arg(long)]
    sort: Option<String>,
    /// Read the latest snapshot on this computer instead of the provider.
    #[arg(long)]
    offline: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum AuthArg {
    None,
    Bearer,
    Basic,
    Oauth2,
}

#[derive(Subcommand)]
enum ProviderCmd {
    /// Add a provider. The secret is read from --token-env VAR or --token-stdin.
    Add {
        name: String,
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Change a provider's settings; the sign-in method, user name, token address and scope
    /// stay unless given. Without --token-env or --token-stdin the secret in the keyring is kept
    /// for the same method and address; a new address needs it again (or --keep-secret).
    Edit {
        name: String,
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Choose the preset of a well-known provider (generic, entra_id, aws_identity_center,
    /// google_cloud_identity, github_emu, okta, slack); it applies from the next test or sync.
    Preset { name: String, preset: String },
    /// Correct the detected capability profile: KEY=VALUE settings (page_size=N, cursor,
    /// filter, sort, etag, bulk = yes|no, max_concurrency=N, members_read=…), or --clear.
    Override {
        name: String,
        settings: Vec<String>,
        /// Remove every override.
        #[arg(long)]
        clear: bool,
    },
    /// List configured providers.
    List,
    /// Show one provider.
    Show { name: String },
    /// Connect and print the capability profile, one line per capability, and what was
    /// learned from the provider's answers.
    Test {
        name: String,
        /// Also check writes on a scratch user (created inactive, changed by PATCH and PUT,
        /// read back, deleted), so what it refuses or does not keep is known before the first
        /// real edit. Asks first.
        #[arg(long)]
        writes: bool,
        /// Do not ask before the write check.
        #[arg(long)]
        yes: bool,
    },
    /// Forget what was learned from a provider's answers (a PATCH it refused, ...): it is
    /// learned again if it still holds.
    Relearn { name: String },
    /// Remove a provider and its keyring entry.
    Remove { name: String },
}

/// How to reach and authenticate to a provider.
#[derive(clap::Args)]
struct ConnArgs {
    #[arg(long)]
    url: String,
    /// How to sign in: bearer when adding; when editing, the provider's current method.
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    /// User name (basic) or client ID (oauth2).
    #[arg(long, alias = "client-id")]
    username: Option<String>,
    /// Read the token, password or client secret from this environment variable.
    #[arg(long, conflicts_with = "token_stdin")]
    token_env: Option<String>,
    /// Read the token, password or client secret from the first line of standard input.
    #[arg(long)]
    token_stdin: bool,
    /// OAuth 2.0: the token endpoint (client credentials grant).
    #[arg(long)]
    token_url: Option<String>,
    /// OAuth 2.0: the scope to request.
    #[arg(long)]
    scope: Option<String>,
    /// Do not verify TLS certificates (visible in `provider show`).
    #[arg(long)]
    insecure_skip_tls_verify: bool,
    /// Trust this certificate authority (a PEM file) for the provider, besides the system's.
    #[arg(long, conflicts_with = "insecure_skip_tls_verify")]
    ca_file: Option<std::path::PathBuf>,
    /// Allow plain http (not encrypted) to a host other than this computer; the token travels
    /// in clear text (shown as NOT ENCRYPTED in `provider show`).
    #[arg(long)]
    allow_plain_http: bool,
    /// When editing: send the stored secret to the new address (otherwise a new address needs
    /// the secret again).
    #[arg(long)]
    keep_secret: bool,
}

impl ConnArgs {
    /// The form for `provider add` (`current` is None) or `provider edit` (what is not given
    /// keeps the provider's current sign-in method, user name, token address and scope).
    fn into_input(
        self,
        name: String,
        current: Option<&ProviderSummary>,
    ) -> Result<ProviderInput, DeskError> {
        let auth_kind = match self.auth {
            Some(AuthArg::None) => AuthKind::None,
            Some(AuthArg::Bearer) => AuthKind::Bearer,
            Some(AuthArg::Basic) => AuthKind::Basic,
            Some(AuthArg::Oauth2) => AuthKind::OAuth2,
            None => current.map_or(AuthKind::Bearer, |c| c.auth_kind),
        };
        let same_kind = current.is_some_and(|c| c.auth_kind == auth_kind);
        let kept = |given: Option<String>, stored: Option<&String>| {
            given.or_else(|| stored.filter(|_| same_kind).cloned())
        };
        Ok(ProviderInput {
            name,
            base_url: self.url,
            auth_kind,
            username: kept(self.username, current.and_then(|c| c.username.as_ref())),
            secret: read_secret(self.token_env, self.token_stdin)?,
            tls_skip_verify: self.insecure_skip_tls_verify,
            token_url: kept(self.token_url, current.and_then(|c| c.token_url.as_ref())),
            scope: kept(self.scope, current.and_then(|c| c.scope.as_ref())),
            allow_plain_http: self.allow_plain_http,
            keep_secret_for_new_address: self.keep_secret,
            ca_certificate: self
                .ca_file
                .map(|p| {
                    std::fs::read_to_string(&p).map_err(|e| {
                        DeskError::InvalidInput(format!(
                            "The certificate authority file {} could not be read: {e}.",
                            p.display()
                        ))
                    })
                })
                .transpose()?,
        })
    }
}

fn main() -> ExitCode {
    if let Ok(paths) = DataPaths::from_env() {
        desk_engine::crash::install(paths.root(), "scim-desk-cli");
    }
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
            ExitCode::from(exit_code(e.code()))
        }
    }
}

/// The documented exit codes (see `--help`).
fn exit_code(code: desk_engine::ErrorCode) -> u8 {
    use desk_engine::ErrorCode as C;
    match code {
        C::InvalidInput | C::DuplicateName => 2,
        C::NotFound => 3,
        C::ProviderUnreachable | C::ProviderTimeout | C::TlsFailed => 4,
        C::AuthRejected => 5,
        C::EditConflict => 6,
        C::Database | C::DatabaseTooNew | C::KeyringUnavailable => 7,
        C::Cancelled => 130,
        C::Unverified => 8,
        C::IncompleteCopy => 9,
        _ => 1,
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

fn list(
    args: ListArgs,
    kind: desk_engine::vocabulary::Kind,
    format: Format,
) -> Result<(), DeskError> {
    let desk = open()?;
    let items = if args.offline {
        desk.offline_resources(
            &args.name,
            kind,
            args.filter.as_deref(),
            args.sort.as_deref(),
        )?
    } else {
        runtime()?.block_on(desk.live_resources(
            &args.name,
            kind,
            args.filter.as_deref(),
            args.sort.as_deref(),
        ))?
    };
    let columns: &[(&str, &str)] = match kind {
        desk_engine::vocabulary::Kind::User => &[
            ("id", "id"),
            ("userName", "userName"),
            ("displayName", "displayName"),
            ("givenName", "name.givenName"),
            ("familyName", "name.familyName"),
            ("email", "emails"),
            (
                "department",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            ),
            ("title", "title"),
            ("active", "active"),
        ],
        desk_engine::vocabulary::Kind::Group => &[
            ("id", "id"),
            ("displayName", "displayName"),
            ("externalId", "externalId"),
            ("members", "members"),
        ],
    };
    let cell = |v: &serde_json::Value, path: &str| -> String {
        let r = match desk_engine::Resource::from_value(v.clone()) {
            Ok(r) => r,
            Err(_) => return String::new(),
        };
        if path == "emails" {
            return desk_engine::User(&r).primary_email().unwrap_or_default();
        }
        if path == "members" {
            return desk_engine::Group(&r)
                .members()
                .map(|m| m.len().to_string())
                .unwrap_or_default();
        }
        let Ok(p) = desk_engine::AttrPath::parse(path) else {
            return String::new();
        };
        match r.path(&p) {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    };
    match format {
        Format::Json => print_json(&items)?,
        Format::Csv => {
            let mut w = SafeCsv::new(std::io::stdout());
            w.row(columns.iter().map(|(h, _)| *h))?;
            for v in &items {
                w.row(columns.iter().map(|(_, p)| cell(v, p)))?;
            }
            w.flush()?;
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|v| columns.iter().map(|(_, p)| cell(v, p)).collect())
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, (h, _))| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([h.len()])
                        .max()
                        .unwrap_or(0)
                        .min(40)
                })
                .collect();
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| {
                        let c: String = c.chars().take(*w).collect();
                        format!("{c:<w$}", w = *w)
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            println!(
                "{}",
                line(columns.iter().map(|(h, _)| h.to_string()).collect())
            );
            for r in rows {
                println!("{}", line(r));
            }
            eprintln!(
                "{} {}",
                items.len(),
                if items.len() == 1 {
                    "result"
                } else {
                    "results"
                }
            );
        }
    }
    Ok(())
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
        Command::Sync {
            name,
            incremental,
            keep,
        } => {
            let desk = open()?;
            if let Some(n) = keep {
                desk.set_keep_snapshots(n)?;
            }
            let rt = runtime()?;
            let cancel = cancel_on_ctrl_c(&rt);
            let tty = std::io::stderr().is_terminal();
            let progress = move |p: desk_engine::read::sync::SyncProgress| {
                if tty {
                    let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
                    let eta = p
                        .eta_seconds
                        .map(|e| format!(", {e} s left"))
                        .unwrap_or_default();
                    eprint!(
                        "\r\x1b[2K{}: {}{} ({:.0}/s{})",
                        p.stage, p.resources, total, p.rate, eta
                    );
                    let _ = std::io::stderr().flush();
                }
            };
            let report = rt.block_on(desk.sync_with(&name, incremental, &cancel, &progress));
            if tty {
                eprintln!();
            }
            let report = report?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "synced {:?} ({}, {} read): {} users, {} groups, {} memberships in {:.1} s (snapshot {})",
                    report.provider,
                    report.kind,
                    report.fetched,
                    report.users,
                    report.groups,
                    report.memberships,
                    report.seconds,
                    report.snapshot_id
                );
                for n in &report.notes {
                    println!("note: {n}");
                }
                if let Some(w) = &report.completeness.warning {
                    println!("INCOMPLETE COPY: {w}");
                }
            }
            // Stored and labelled, but a script must not take it for the whole directory.
            if let Some(w) = report.completeness.warning {
                return Err(DeskError::IncompleteCopy(w));
            }
        }
        Command::Diff { name, from, to } => {
            let d = open()?.diff_snapshots(&name, from, to)?;
            if json {
                print_json(&d)?;
            } else {
                println!(
                    "{}: snapshot {} -> {}: {} change(s)",
                    d.provider,
                    d.from_snapshot,
                    d.to_snapshot,
                    d.changes.len()
                );
                for c in &d.changes {
                    let sign = match c.change {
                        ChangeKind::Added => "+",
                        ChangeKind::Removed => "-",
                        ChangeKind::Changed => "~",
                    };
                    println!("{sign} {} {} ({})", c.kind, c.label, c.id);
                    for a in &c.attributes {
                        let show = |v: &Option<serde_json::Value>| match v {
                            Some(serde_json::Value::String(s)) => format!("{s:?}"),
                            Some(v) => v.to_string(),
                            None => "(none)".to_string(),
                        };
                        println!(
                            "    {} {}: {} -> {}",
                            a.change,
                            a.path,
                            show(&a.before),
                            show(&a.after)
                        );
                    }
                }
                if !d.made_here.is_empty() {
                    println!(
                        "made here through SCIM Desk since snapshot {}: {} change(s)",
                        d.from_snapshot,
                        d.made_here.len()
                    );
                    for a in &d.made_here {
                        println!(
                            "  {} {} {} by {} at {}",
                            a.operation,
                            a.resource_kind,
                            a.resource_id.as_deref().unwrap_or("(new)"),
                            a.os_user,
                            a.at
                        );
                        for c in &a.changes {
                            println!("    {} {}", c.change, c.path);
                        }
                    }
                }
            }
        }
        Command::Get {
            name,
            id,
            group,
            offline,
        } => {
            let desk = open()?;
            let kind = desk_engine::vocabulary::Kind::from_group_flag(group);
            let found = if offline {
                desk.offline_resources(&name, kind, None, None)?
                    .into_iter()
                    .find(|v| v.get("id").and_then(|x| x.as_str()) == Some(id.as_str()))
                    .ok_or_else(|| {
                        DeskError::NotFound(format!(
                            "The latest copy of \"{name}\" has no {} with id {id}.",
                            kind.as_str().to_lowercase()
                        ))
                    })?
            } else {
                let endpoint = if group { "Groups" } else { "Users" };
                runtime()?.block_on(desk.client(&name)?.get(endpoint, &id))?
            };
            print_json(&found)?;
        }
        Command::History { name, id, group } => {
            let kind = desk_engine::vocabulary::Kind::from_group_flag(group);
            let versions = open()?.resource_history(&name, kind, &id)?;
            if json {
                print_json(&versions)?;
            } else {
                for v in versions {
                    // The oldest copy kept may not be where the record first appeared.
                    let change = match v.change.as_str() {
                        "first_kept" => "in the oldest copy kept",
                        other => other,
                    };
                    println!("snapshot {} ({}): {change}", v.snapshot_id, v.taken_at);
                    for a in v.attributes {
                        println!("    {} {}", a.change, a.path);
                    }
                }
            }
        }
        Command::Export { name } => {
            let desk = open()?;
            if cli.format == Format::Csv {
                list(
                    ListArgs {
                        name,
                        filter: None,
                        sort: None,
                        offline: true,
                    },
                    desk_engine::vocabulary::Kind::User,
                    Format::Csv,
                )?;
            } else {
                let users =
                    desk.offline_resources(&name, desk_engine::vocabulary::Kind::User, None, None)?;
                let groups = desk.offline_resources(
                    &name,
                    desk_engine::vocabulary::Kind::Group,
                    None,
                    None,
                )?;
                print_json(&serde_json::json!({"users": users, "groups": groups}))?;
            }
        }
        Command::Set {
            name,
            id,
            changes,
            group,
            yes,
        } => {
            let desk = open()?;
            let kind = desk_engine::vocabulary::Kind::from_group_flag(group);
            let endpoint = if group { "Groups" } else { "Users" };
            let rt = runtime()?;
            let before = rt.block_on(desk.client(&name)?.get(endpoint, &id))?;
            let mut after = before.clone();
            for c in &changes {
                let (path, value) = c.split_once('=').ok_or_else(|| {
                    DeskError::InvalidInput(format!(
                        "\"{c}\" is not ATTRIBUTE=VALUE (for example title=\"Head of People\")."
                    ))
                })?;
                let value = serde_json::from_str(value)
                    .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
                let path = path.trim();
                if !desk_engine::vocabulary::set_path(&mut after, path, Some(value)) {
                    return Err(DeskError::InvalidInput(format!(
                        "\"{path}\" is not an attribute path."
                    )));
                }
            }
            let request = desk_engine::write::edit::EditRequest {
                provider: name.clone(),
                kind,
                id: id.clone(),
                before,
                after,
            };
            let preview = rt.block_on(desk.preview_edit(&request))?;
            if preview.changes.is_empty() {
                eprintln!("Nothing to change.");
                return Ok(());
            }
            eprintln!("{} {}", preview.method, preview.path);
            for b in &preview.bodies {
                eprintln!("{}", serde_json::to_string_pretty(b).unwrap_or_default());
            }
            if !yes && !confirm("Send this change?")? {
                return Err(DeskError::Cancelled);
            }
            match rt.block_on(desk.save_edit(&request))? {
                desk_engine::write::edit::SaveOutcome::Saved { resource, .. } => {
                    if json {
                        print_json(&resource)?;
                    } else {
                        println!("Saved.");
                    }
                }
                desk_engine::write::edit::SaveOutcome::Conflict { fields, .. } => {
                    for f in fields {
                        eprintln!("  {}: yours {:?}, theirs {:?}", f.path, f.mine, f.theirs);
                    }
                    return Err(DeskError::Conflict(
                        "The record changed on the provider since it was read; nothing was saved."
                            .into(),
                    ));
                }
            }
        }
        Command::Undo { name, yes } => {
            let desk = open()?;
            if !yes && !confirm("Revert the last change saved through SCIM Desk?")? {
                return Err(DeskError::Cancelled);
            }
            match runtime()?.block_on(desk.undo_last(&name))? {
                desk_engine::write::edit::SaveOutcome::Saved { .. } => println!("Reverted."),
                desk_engine::write::edit::SaveOutcome::Conflict { .. } => {
                    return Err(DeskError::Conflict(
                        "The record changed on the provider after that edit; nothing was reverted."
                            .into(),
                    ))
                }
            }
        }
        Command::Audit(AuditCmd::Export { provider }) => {
            let entries = open()?.audit_entries(provider.as_deref(), None, 0)?;
            if json {
                print_json(&entries)?;
            } else {
                let mut w = SafeCsv::new(std::io::stdout());
                let write = |w: &mut SafeCsv<std::io::Stdout>, row: &[String]| w.row(row);
                let header = [
                    "id",
                    "at",
                    "os_user",
                    "provider",
                    "resource_kind",
                    "resource_id",
                    "operation",
                    "http_status",
                    "before",
                    "after",
                ];
                write(&mut w, &header.map(String::from))?;
                for e in entries {
                    let j = |v: &Option<serde_json::Value>| {
                        v.as_ref().map(ToString::to_string).unwrap_or_default()
                    };
                    write(
                        &mut w,
                        &[
                            e.id.to_string(),
                            e.at.clone(),
                            e.os_user.clone(),
                            e.provider.clone(),
                            e.resource_kind.clone(),
                            e.resource_id.clone().unwrap_or_default(),
                            e.operation.clone(),
                            e.http_status.map(|s| s.to_string()).unwrap_or_default(),
                            j(&e.before),
                            j(&e.after),
                        ],
                    )?;
                }
                w.flush()?;
            }
        }
        Command::Migrate(MigrateCmd::Plan {
            source,
            target,
            out,
            rules,
            deactivate_target_only,
            delete_target_only,
            max_deletes,
        }) => {
            use desk_engine::migrate::{PlanOptions, TargetOnly};
            let options = PlanOptions {
                rules: read_rules(rules)?,
                target_only: if delete_target_only {
                    TargetOnly::Delete
                } else if deactivate_target_only {
                    TargetOnly::Deactivate
                } else {
                    TargetOnly::Keep
                },
                max_deletes,
            };
            let plan = open()?.plan_migration(&source, &target, &options)?;
            let text = serde_json::to_string_pretty(&plan)
                .map_err(|e| DeskError::Internal(format!("the plan: {e}")))?;
            desk_engine::paths::write_private(&out, text.as_bytes()).map_err(|e| {
                DeskError::InvalidInput(format!(
                    "The plan could not be written to {}: {e}.",
                    out.display()
                ))
            })?;
            if json {
                print_json(&plan.counts)?;
            } else {
                println!(
                    "plan written to {} ({} operations; nothing was sent)",
                    out.display(),
                    plan.operations.len()
                );
                for (k, v) in &plan.counts {
                    println!("  {k}: {v}");
                }
                if !plan.review.is_empty() {
                    println!(
                        "  {} records need a decision (see \"review\" in the plan)",
                        plan.review.len()
                    );
                }
                for w in &plan.warnings {
                    println!("  note: {w}");
                }
            }
        }
        Command::Migrate(MigrateCmd::Run { plan, yes }) => {
            let text = std::fs::read_to_string(&plan).map_err(|e| {
                DeskError::InvalidInput(format!(
                    "The plan {} could not be read: {e}.",
                    plan.display()
                ))
            })?;
            let plan = desk_engine::migrate::MigrationPlan::from_json(&text)?;
            eprintln!(
                "{} operations from {:?} to {:?}: {}",
                plan.operations.len(),
                plan.source,
                plan.target,
                serde_json::to_string(&plan.counts).unwrap_or_default()
            );
            if !yes && !confirm("Send these changes to the target?")? {
                return Err(DeskError::Cancelled);
            }
            let desk = open()?;
            let report = with_cancel(|cancel, progress| {
                Box::pin(async move { desk.run_migration(&plan, &cancel, &progress).await })
            })?;
            print_run(&report, json)?;
        }
        Command::Migrate(MigrateCmd::Verify {
            source,
            target,
            rules,
            strict,
        }) => {
            let desk = open()?;
            let options = desk_engine::migrate::PlanOptions {
                rules: read_rules(rules)?,
                ..Default::default()
            };
            let plan =
                runtime()?.block_on(desk.verify_migration(&source, &target, &options, &|_| {}))?;
            match cli.format {
                Format::Json => print_json(&serde_json::json!({
                    "differences": plan.operations, "review": plan.review,
                    "not_kept_by_target": plan.not_kept
                }))?,
                Format::Csv => {
                    let mut w = SafeCsv::new(std::io::stdout());
                    w.row(["op", "record", "source_id", "target_id", "attributes"])?;
                    for o in &plan.operations {
                        let attrs: Vec<&str> = o.changes.iter().map(|c| c.path.as_str()).collect();
                        w.row([
                            o.op.as_str(),
                            o.label.as_str(),
                            o.source_id.as_str(),
                            o.target_id.as_deref().unwrap_or_default(),
                            &attrs.join(" "),
                        ])?;
                    }
                    w.flush()?;
                }
                Format::Table => {
                    println!(
                        "{} differences remain, {} records need a decision",
                        plan.operations.len(),
                        plan.review.len()
                    );
                    for o in &plan.operations {
                        println!("  {} {}", o.op, o.label);
                    }
                    if !plan.not_kept.is_empty() {
                        println!(
                            "not kept by the target ({target} accepts these but does not store \
                             them; sending them again does not help):"
                        );
                        for n in &plan.not_kept {
                            println!("  {} on {} records", n.path, n.records);
                        }
                    }
                }
            }
            if !plan.operations.is_empty() {
                return Err(DeskError::Unverified(plan.operations.len()));
            }
            if strict && !plan.not_kept.is_empty() {
                let lost: Vec<String> = plan
                    .not_kept
                    .iter()
                    .map(|n| format!("{} ({} records)", n.path, n.records))
                    .collect();
                return Err(DeskError::NotKept(format!(
                    "{target} holds everything it keeps, but it did not keep {}. Running the \
                     migration again will not change that: map these to attributes it keeps \
                     (--rules), or accept the loss (verify without --strict).",
                    lost.join(", ")
                )));
            }
        }
        Command::Migrate(MigrateCmd::Report { id }) => {
            let report = open()?.migration_report(id)?;
            match cli.format {
                Format::Csv => {
                    let mut w = SafeCsv::new(std::io::stdout());
                    w.row(["kind", "source_id", "target_id", "external_id"])?;
                    for e in &report.id_map {
                        w.row([
                            e.kind.as_str(),
                            e.source_id.as_str(),
                            e.target_id.as_str(),
                            e.external_id.as_deref().unwrap_or_default(),
                        ])?;
                    }
                    w.flush()?;
                }
                _ if json => print_json(&report)?,
                _ => {
                    println!(
                        "migration {} from {:?} to {:?}, started {}{}",
                        report.id,
                        report.source,
                        report.target,
                        report.started_at,
                        report
                            .finished_at
                            .as_deref()
                            .map(|f| format!(", finished {f}"))
                            .unwrap_or_default()
                    );
                    for (state, n) in &report.states {
                        println!("  {state}: {n}");
                    }
                    for f in &report.failed {
                        println!("  failed #{} {} {}: {}", f.seq, f.op, f.label, f.message);
                    }
                    println!(
                        "  ID map: {} records (export with --format csv)",
                        report.id_map.len()
                    );
                }
            }
        }
        Command::Migrate(MigrateCmd::Resume { id }) => {
            let desk = open()?;
            let report = with_cancel(|cancel, progress| {
                Box::pin(async move { desk.resume_migration(id, &cancel, &progress).await })
            })?;
            print_run(&report, json)?;
        }
        Command::Users(args) => list(args, desk_engine::vocabulary::Kind::User, cli.format)?,
        Command::Groups(args) => list(args, desk_engine::vocabulary::Kind::Group, cli.format)?,
        Command::Provider(cmd) => {
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
                    let p = desk_engine::providers::profiles::parse_preset(&preset).ok_or_else(
                        || {
                            DeskError::InvalidInput(format!(
                                "\"{preset}\" is not a preset; choose one of: {}.",
                                scim_client_presets()
                            ))
                        },
                    )?;
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
                        println!(
                            "no providers configured; add one with `scim-desk-cli provider add`"
                        );
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
                                println!(
                                    "the scratch user could not be deleted: delete it by hand"
                                );
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
        }
    }
    Ok(())
}

/// Asks a yes/no question on the terminal; `false` when there is no terminal to ask on.
fn confirm(question: &str) -> Result<bool, DeskError> {
    if !std::io::stdin().is_terminal() {
        return Err(DeskError::InvalidInput(
            "Confirmation is needed and there is no terminal to ask on: add --yes.".into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| DeskError::Internal(format!("reading the answer failed: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Every preset's name, for messages.
fn scim_client_presets() -> String {
    desk_engine::Preset::ALL
        .iter()
        .map(|p| desk_engine::providers::profiles::preset_name(*p))
        .collect::<Vec<_>>()
        .join(", ")
}

type RunFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<desk_engine::migrate::run::RunReport, DeskError>>
            + 'a,
    >,
>;

/// Runs a migration with Ctrl-C as cancel (the journal keeps its place) and a progress line.
fn with_cancel(
    f: impl for<'a> FnOnce(
        desk_engine::vocabulary::CancelFlag,
        Box<dyn Fn(desk_engine::migrate::run::RunProgress) + Send + Sync>,
    ) -> RunFuture<'static>,
) -> Result<desk_engine::migrate::run::RunReport, DeskError> {
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let tty = std::io::stderr().is_terminal();
    let progress = Box::new(move |p: desk_engine::migrate::run::RunProgress| {
        if tty {
            eprint!("\r{}/{} operations", p.finished, p.total);
        }
    });
    let out = rt.block_on(f(cancel, progress));
    if tty {
        eprintln!();
    }
    out
}

fn print_run(r: &desk_engine::migrate::run::RunReport, json: bool) -> Result<(), DeskError> {
    if json {
        return print_json(r);
    }
    println!(
        "migration {}: {} operations done ({} found already done), {} failed, {:.1} s",
        r.migration_id,
        r.done,
        r.settled,
        r.failed.len(),
        r.seconds
    );
    for f in &r.failed {
        println!("  #{} {} {}: {}", f.seq, f.op, f.label, f.message);
    }
    if !r.failed.is_empty() {
        eprintln!(
            "{} operations failed; fix what they say, then `scim-desk-cli migrate resume {}`.",
            r.failed.len(),
            r.migration_id
        );
        return Err(DeskError::Unverified(r.failed.len()));
    }
    Ok(())
}

/// A cancel flag Ctrl-C sets (the work stops at its next step; nothing half-written is kept).
fn cancel_on_ctrl_c(rt: &tokio::runtime::Runtime) -> desk_engine::vocabulary::CancelFlag {
    let cancel = desk_engine::vocabulary::CancelFlag::new();
    let c2 = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    cancel
}

/// Reads a mapping rules file (none: the default mapping).
fn read_rules(
    path: Option<std::path::PathBuf>,
) -> Result<desk_engine::migrate::MappingRules, DeskError> {
    let Some(p) = path else {
        return Ok(Default::default());
    };
    let text = std::fs::read_to_string(&p).map_err(|e| {
        DeskError::InvalidInput(format!(
            "The rules file {} could not be read: {e}.",
            p.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        DeskError::InvalidInput(format!("The rules file {} is not valid: {e}.", p.display()))
    })
}
