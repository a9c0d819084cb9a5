//! roster: a multi-tenant user directory served over gRPC.
//!
//! Code map (see ARCHITECTURE.md for the invariants):
//! - [`config`]: the command line and its environment fallbacks.
//! - [`server`]: builds and runs the gRPC server: health, reflection, limits,
//!   startup and graceful shutdown.
//! - [`conn`]: bounds on connections (how many, how long to say hello).
//! - [`api`]: the `roster.v1.UserService` handlers; the only module that
//!   knows the generated proto types.
//! - [`gateway`]: gRPC-Web and the JSON surface beside gRPC on each
//!   listener; JSON calls reach the handlers through `gateway::Unary`.
//! - [`timeout`]: the `grpc-timeout` header's grammar.
//! - [`metrics`]: the instruments `/metrics` shows (a leaf: any layer
//!   records into it).
//! - [`directory`]: every operation, over any store.
//! - [`auth`]: authentication (access keys, callers, impersonation, the
//!   caches) and authorization (permissions, roles, scopes).
//! - [`domain`]: records, data rules, paging and the one error type.
//! - [`store`]: the `Store` contract, the one way to open a store, and the
//!   embedded (sled) backend.
//! - [`admin`]: `roster check`, `export` and `import` on a stopped store.
//! - [`healthcheck`]: `roster healthcheck`, a health client for probes.
//!
//! Layers, each importing only those below it: `server`, `admin` →
//! `api` → `directory` → `auth` → `store` → `domain`, and `api` →
//! `gateway` → `timeout`.
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod auth;
pub mod config;
pub mod conn;
pub mod directory;
pub mod domain;
pub mod gateway;
pub mod healthcheck;
pub mod metrics;
pub mod request_id;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod timeout;
pub mod tls;
pub mod traces;

/// The generated protobuf types and gRPC stubs of `roster.v1`.
pub mod pb {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("roster.v1");
    /// Written by hand (see `api::wire`); the same messages on the wire.
    pub use crate::api::wire::{GetUserInfoResponse, ListUsersResponse};

    /// The encoded descriptor set of `roster.v1`, for gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("roster_descriptor");
}
