//! The `link` subcommands and their options.

use clap::{Subcommand, ValueEnum};

/// A link's settings on the command line (`link add` and `link edit`).
#[derive(clap::Args, Default)]
pub(crate) struct LinkOptions {
    /// The source provider.
    #[arg(long = "from")]
    pub(crate) from: Option<String>,
    /// The target provider.
    #[arg(long = "to")]
    pub(crate) to: Option<String>,
    /// A SCIM filter on source users: those it matches are in scope ('' clears it).
    #[arg(long)]
    pub(crate) filter: Option<String>,
    /// A group name pattern (* any text, ? one character): the groups and their members are in
    /// scope. Repeat for several; `--groups ''` clears them.
    #[arg(long = "groups")]
    pub(crate) groups: Vec<String>,
    /// A SCIM filter: users and groups it matches are out of scope ('' clears it).
    #[arg(long)]
    pub(crate) exclude: Option<String>,
    /// Mapping rules (the JSON of `migrate plan --rules`).
    #[arg(long)]
    pub(crate) rules: Option<std::path::PathBuf>,
    /// Target users the source has no match for: keep (default), deactivate or delete (never
    /// from an incomplete read).
    #[arg(long, value_enum)]
    pub(crate) target_only: Option<TargetOnlyArg>,
    /// Users the link brought that leave its scope: keep (default, listed in the run) or
    /// deactivate.
    #[arg(long, value_enum)]
    pub(crate) leaving: Option<LeavingArg>,
    /// A target name pattern (userName or group name) never written to. Repeat for several;
    /// `--protect ''` clears them.
    #[arg(long = "protect")]
    pub(crate) protect: Vec<String>,
    /// The most creates one run may make: a number, a percentage of the target (5%), or none.
    #[arg(long)]
    pub(crate) max_creates: Option<String>,
    /// The most changes (updates, memberships, managers) one run may make.
    #[arg(long)]
    pub(crate) max_updates: Option<String>,
    /// The most deactivations one run may make (default 10).
    #[arg(long)]
    pub(crate) max_deactivations: Option<String>,
    /// The most deletes one run may make (default 10).
    #[arg(long)]
    pub(crate) max_deletes: Option<String>,
    /// Run every N minutes while the window is open (0: only when asked).
    #[arg(long)]
    pub(crate) every: Option<u32>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TargetOnlyArg {
    Keep,
    Deactivate,
    Delete,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum LeavingArg {
    Keep,
    Deactivate,
}

#[derive(Subcommand)]
pub(crate) enum LinkCmd {
    /// Save a link from one provider to another (nothing runs): `link add Sales --from HR --to
    /// App --groups 'Sales*' --max-deactivations 5`.
    Add {
        name: String,
        #[command(flatten)]
        options: LinkOptions,
    },
    /// Change a link's settings; only the options given change.
    Edit {
        name: String,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        options: LinkOptions,
    },
    /// Every link with its last run.
    List,
    /// A link's settings and its run history.
    Show {
        name: String,
        /// How many runs to show.
        #[arg(long, default_value_t = 10)]
        runs: u32,
    },
    /// Read both providers, plan what is in scope, and send it (asks first on a terminal
    /// unless --yes). Exit 0 when the run completed and verified; 10 when a guard rail stopped
    /// it (nothing written); 8 when changes failed or differences remain.
    Run {
        name: String,
        /// Plan and show, send nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
        /// Run even when a guard rail would be crossed.
        #[arg(long)]
        force: bool,
    },
    /// Remove a link and its history (nothing at either provider changes).
    Remove {
        name: String,
        #[arg(long)]
        yes: bool,
    },
}
