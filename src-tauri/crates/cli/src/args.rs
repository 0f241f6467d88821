//! The command line: subcommands, arguments and their help (clap).

use std::io::{BufRead, IsTerminal, Write};

use clap::{Parser, Subcommand, ValueEnum};
use desk_engine::api::{AuthKind, ProviderInput, ProviderSummary};
use desk_engine::DeskError;

mod links;
pub(crate) use links::*;

#[derive(Parser)]
#[command(
    name = "scim-desk-cli",
    version,
    about = "SCIM Desk on the command line",
    after_help = "Exit codes: 0 success; 1 the provider or SCIM Desk failed otherwise; 2 invalid \
                  input or usage; 3 not found; 4 provider unreachable (network, timeout, TLS); \
                  5 credentials refused; 6 the record changed meanwhile (nothing saved); \
                  7 local database or keyring unavailable (or the offline copy's key missing \
                  or not opening it); 8 a migration's verify found \
                  differences (or a run left failed operations, or an offboarding an account \
                  still active); 9 a sync stored an incomplete \
                  copy (the provider stopped short of what it announced); 10 a link's guard \
                  rail stopped a run (nothing was written; `link run --force` runs it anyway); \
                  130 cancelled."
)]
pub(crate) struct Cli {
    /// Output format for results and errors.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub(crate) enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Remove the offline copies, audit entries and migration journals of one provider (or of
    /// all) from this computer, for good; the providers stay configured. Asks first, naming
    /// what goes, unless --yes.
    Wipe {
        /// Only this provider's data.
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        yes: bool,
    },
    /// How long offline copies are kept: older ones are removed at start and after each sync.
    /// Without options, prints the settings.
    Retention {
        /// Remove copies older than this many days.
        #[arg(long, conflicts_with = "forever")]
        days: Option<u32>,
        /// No age limit.
        #[arg(long)]
        forever: bool,
        /// Keep the newest copy of each provider however old (yes, the default) or not.
        #[arg(long, value_parser = ["yes", "no"])]
        keep_newest: Option<String>,
        /// At most this many copies per provider.
        #[arg(long)]
        copies: Option<u32>,
    },
    /// Start fresh when the encrypted offline copy cannot be opened (its key is gone from the
    /// keyring): the old file is set aside, not deleted; add the providers again and sync.
    Reset {
        #[arg(long)]
        yes: bool,
    },
    /// One person across every provider (from the offline copies): find, show, link, unlink.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Saved, scoped, repeatable provisioning from one provider to another, with guard rails
    /// and a history of runs.
    #[command(subcommand)]
    Link(LinkCmd),
    /// Offboard a person everywhere: deactivate every account (or the chosen providers'),
    /// optionally out of every group first and/or deleted after. Names every account and asks
    /// first (unless --yes); exits 0 only when every chosen account ended deactivated or deleted.
    Offboard(OffboardArgs),
    /// Create a new hire in the chosen providers from one set of values: `onboard --providers
    /// HR,App --set userName=nia.hire --set givenName=Nia --set familyName=Hire --set
    /// email=nia@x.com --groups HR:Sales,App:Everyone`. Shows each provider's record and asks
    /// first (unless --yes); exits 8 when a provider did not get the account.
    Onboard {
        /// Where to create the accounts (comma-separated).
        #[arg(long, required = true)]
        providers: Vec<String>,
        /// ATTRIBUTE=VALUE (userName, givenName, familyName, displayName, email, title,
        /// department, employeeNumber, externalId, manager as a person, or any attribute path).
        #[arg(long = "set", required = true)]
        values: Vec<String>,
        /// PROVIDER:GROUP to join (a group's name or id), comma-separated.
        #[arg(long)]
        groups: Vec<String>,
        #[arg(long)]
        yes: bool,
    },
    /// Everyone whose accounts disagree between providers, attribute by attribute (table, JSON
    /// or CSV with --format).
    Drift {
        /// Compare with this provider's values (by default the source of truth, when set).
        #[arg(long)]
        source: Option<String>,
        /// Bring the accounts that differ to the source's values, through the migration engine
        /// (a plan per provider, shown first; run journaled; verified by reading both sides
        /// again; exit 8 while differences remain).
        #[arg(long)]
        make_match: bool,
        /// With --make-match: only these people (person ids from `drift`, comma-separated).
        #[arg(long, requires = "make_match")]
        people: Vec<String>,
        #[arg(long, requires = "make_match")]
        yes: bool,
    },
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
pub(crate) enum PersonCmd {
    /// People whose name, userName, e-mail, externalId or employee number holds every word.
    Find {
        text: Vec<String>,
        #[arg(long, value_enum)]
        filter: Option<PeopleFilterArg>,
        /// Only people with an account in this provider.
        #[arg(long)]
        provider: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// A person's accounts side by side. KEY: an e-mail, a userName, an externalId, a person
    /// id from `find`, or PROVIDER:ID.
    Show { key: String },
    /// Change a person once, in every linked account (or --providers): `person set ada@x.com
    /// familyName=Okafor title="Head of People" manager=boss@x.com`. Shows each provider's
    /// request and asks first (unless --yes); exits 8 when an account was not saved.
    Set {
        key: String,
        /// ATTRIBUTE=VALUE pairs (familyName, givenName, displayName, email, title, department,
        /// employeeNumber, active, manager as a person, or any attribute path); VALUE null clears.
        #[arg(required = true)]
        changes: Vec<String>,
        /// Only these providers (comma-separated).
        #[arg(long)]
        providers: Vec<String>,
        #[arg(long)]
        yes: bool,
    },
    /// Two accounts (PROVIDER:ID) are the same person, whatever the matching rules say.
    Link { a: String, b: String },
    /// Two accounts (PROVIDER:ID) are two people: the rules will not put them together.
    Unlink { a: String, b: String },
    /// Make PROVIDER a source of truth for people (its values win), or stop with --off.
    Source {
        provider: String,
        #[arg(long)]
        off: bool,
    },
}

/// Which people `person find` lists.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum PeopleFilterArg {
    Drift,
    Everywhere,
    OneProvider,
    ActiveMismatch,
}

impl From<PeopleFilterArg> for desk_engine::people::PeopleFilter {
    fn from(f: PeopleFilterArg) -> Self {
        use desk_engine::people::PeopleFilter as F;
        match f {
            PeopleFilterArg::Drift => F::Drift,
            PeopleFilterArg::Everywhere => F::Everywhere,
            PeopleFilterArg::OneProvider => F::OneProvider,
            PeopleFilterArg::ActiveMismatch => F::ActiveMismatch,
        }
    }
}

#[derive(clap::Args)]
pub(crate) struct OffboardArgs {
    /// The person: an e-mail, a userName, an externalId, a person id or PROVIDER:ID.
    pub(crate) key: String,
    /// Only these providers (comma-separated); by default every provider with an account.
    #[arg(long)]
    pub(crate) providers: Vec<String>,
    /// Remove the accounts from every group first.
    #[arg(long)]
    pub(crate) remove_from_groups: bool,
    /// Delete the accounts after deactivating them.
    #[arg(long)]
    pub(crate) delete: bool,
    #[arg(long)]
    pub(crate) yes: bool,
    /// Write the evidence (JSON) to this file; its SHA-256 is in the audit log.
    #[arg(long)]
    pub(crate) evidence: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum AuditCmd {
    /// Print every entry (newest first) as CSV (default) or JSON (--format json).
    Export {
        /// Only this provider's entries.
        #[arg(long)]
        provider: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum MigrateCmd {
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
pub(crate) struct ListArgs {
    pub(crate) name: String,
    /// A SCIM filter, e.g. 'title co "Engineer" and active eq true'.
    #[arg(long)]
    pub(crate) filter: Option<String>,
    /// Sort by an attribute, e.g. userName or name.familyName.
    #[arg(long)]
    pub(crate) sort: Option<String>,
    /// Read the latest snapshot on this computer instead of the provider.
    #[arg(long)]
    pub(crate) offline: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AuthArg {
    None,
    Bearer,
    Basic,
    Oauth2,
}

#[derive(Subcommand)]
pub(crate) enum ProviderCmd {
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
pub(crate) struct ConnArgs {
    #[arg(long)]
    pub(crate) url: String,
    /// How to sign in: bearer when adding; when editing, the provider's current method.
    #[arg(long, value_enum)]
    pub(crate) auth: Option<AuthArg>,
    /// User name (basic) or client ID (oauth2).
    #[arg(long, alias = "client-id")]
    pub(crate) username: Option<String>,
    /// Read the token, password or client secret from this environment variable.
    #[arg(long, conflicts_with = "token_stdin")]
    pub(crate) token_env: Option<String>,
    /// Read the token, password or client secret from the first line of standard input.
    #[arg(long)]
    pub(crate) token_stdin: bool,
    /// OAuth 2.0: the token endpoint (client credentials grant).
    #[arg(long)]
    pub(crate) token_url: Option<String>,
    /// OAuth 2.0: the scope to request.
    #[arg(long)]
    pub(crate) scope: Option<String>,
    /// Do not verify TLS certificates (visible in `provider show`).
    #[arg(long)]
    pub(crate) insecure_skip_tls_verify: bool,
    /// Trust this certificate authority (a PEM file) for the provider, besides the system's.
    #[arg(long, conflicts_with = "insecure_skip_tls_verify")]
    pub(crate) ca_file: Option<std::path::PathBuf>,
    /// Allow plain http (not encrypted) to a host other than this computer; the token travels
    /// in clear text (shown as NOT ENCRYPTED in `provider show`).
    #[arg(long)]
    pub(crate) allow_plain_http: bool,
    /// When editing: send the stored secret to the new address (otherwise a new address needs
    /// the secret again).
    #[arg(long)]
    pub(crate) keep_secret: bool,
}

impl ConnArgs {
    /// The form for `provider add` (`current` is None) or `provider edit` (what is not given
    /// keeps the provider's current sign-in method, user name, token address and scope).
    pub(crate) fn into_input(
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

pub(crate) fn read_secret(
    token_env: Option<String>,
    token_stdin: bool,
) -> Result<Option<String>, DeskError> {
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
