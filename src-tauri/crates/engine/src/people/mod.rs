//! One person across every provider: accounts of all configured providers linked into persons
//! from the offline copies ([`linking`]: the rules and the person's decisions), a person's page
//! side by side ([`page`]), finding people ([`find`]), decisions ([`decisions`]), drift
//! ([`drift`]), one edit everywhere ([`set`]) and offboarding everywhere with evidence
//! ([`offboard`]).

pub mod decisions;
pub mod drift;
pub mod evidence;
pub mod fields;
pub mod find;
pub(crate) mod index;
pub mod linking;
pub mod offboard;
mod offboard_steps;
pub mod onboard;
pub mod page;
pub mod progress;
pub mod reconcile;
pub mod set;
pub mod templates;

pub use evidence::EvidenceFormat;
pub use fields::PersonField;
pub use find::{AccountRef, CopyAsOf, PeopleFilter, PeoplePage, PeopleQuery, PersonSummary};
pub use linking::{Blocked, LinkRule};
pub use offboard::{
    AccountEvidence, AccountOffboard, AccountState, OffboardAction, OffboardEvidence, OffboardPlan,
    OffboardReport, OffboardRequest, StepEvidence, StepOutcome,
};
pub use onboard::{
    AccountOnboard, AccountOnboarded, GroupPick, OnboardPlan, OnboardReport, OnboardRequest,
};
pub use page::{AccountColumn, ManagerRef, OpenQuestion, PersonPage, QuestionAccount};
pub use progress::PersonRunProgress;
pub use reconcile::{MatchPlan, MatchReport, MatchRequest};
pub use set::{
    AccountEditPreview, AccountEditResult, PersonChange, PersonEditOutcome, PersonEditPreview,
    PersonEditReport, PersonEditRequest,
};
pub use templates::UsualGroup;
