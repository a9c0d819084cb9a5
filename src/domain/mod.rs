//! roster's domain: the records, the data rules, paging, the one error type,
//! and the [`Directory`] that runs every operation.
//!
//! Invariant: nothing here imports tonic or prost; the API layer converts.

mod directory;
mod error;
mod model;
pub mod paging;
pub mod validate;

pub use directory::{Directory, IMPERSONATE_FIELD};
pub use error::{Error, Result};
pub use model::{now_millis, AccessKey, JsonMap, KeyDigest, Organization, Tenant, User};
pub use paging::{ListingPage, Listings, Page, PageRequest};
