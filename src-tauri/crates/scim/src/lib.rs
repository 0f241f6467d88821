//! A SCIM 2.0 client that survives the servers people actually run.
//!
//! This crate knows the protocol (RFC 7643 resources, RFC 7644 operations, RFC 9865 cursors) and
//! nothing about the desktop app: no Tauri, no SQLite, no keyring. Secrets come in as
//! [`Sensitive`] values and go out only in the `Authorization` header.

mod client;
pub mod discovery;
mod error;
pub mod filter;
#[doc(hidden)]
pub mod fuzzing;
pub mod ops;
mod pace;
pub mod patch;
pub mod profile;
mod resource;
pub mod schema;
mod sensitive;
pub mod stats;

pub use client::{is_loopback, Auth, ClientOptions, ScimClient};
pub use discovery::{discover, discover_with, Discovery, Probes, ResourceType};
pub use error::{ScimError, ScimErrorBody};
pub use filter::{AttrPath, CompValue, CompareOp, Filter, FilterError};
pub use ops::{
    BulkOperation, BulkResult, Fetched, ListPage, ListQuery, PageRequest, Pager, PagerEnd,
    ReadOutcome, SortOrder, Written,
};
pub use profile::{CapabilityLine, CapabilityProfile, MembersRead, Preset, ProfileOverrides};
pub use resource::{EnterpriseUser, Group, Member, Meta, MultiValue, Resource, User};
pub use schema::{CheckMode, SchemaSet, Violation};
pub use sensitive::{scrub, Sensitive, SCRUBBED};

/// Schema URN of the core User resource (RFC 7643 section 4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Schema URN of the core Group resource (RFC 7643 section 4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Schema URN of the Enterprise User extension (RFC 7643 section 4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Schema URN of list responses (RFC 7644 section 3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Schema URN of error responses (RFC 7644 section 3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
