//! roster's domain: the records, the data rules, update masks, paging and
//! the one error type. Plain data and pure functions: the lowest layer, importing no other
//! part of roster.
//!
//! Invariant: nothing here imports tonic or prost (the API layer converts),
//! nor the store or authentication.

mod error;
pub mod mask;
mod model;
pub mod paging;
pub mod validate;

pub use error::{Cause, Error, Result};
pub use mask::UpdateMask;
pub use model::{now_millis, AccessKey, JsonMap, KeyDigest, Organization, Tenant, User};
pub use paging::{ListingForm, ListingPage, Listings, Page, PageRequest};
