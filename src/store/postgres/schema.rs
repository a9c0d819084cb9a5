//! The PostgreSQL schema and its versioned migrations.
//!
//! Each record is kept as the same JSON the embedded store and `roster
//! export` use, beside the columns its indexes need; ids are `COLLATE "C"`
//! so that lists are in byte order whatever the database's locale, as on
//! the embedded store. Only plain SQL that PostgreSQL and CockroachDB share
//! is used (no advisory locks, no stored procedures).
//!
//! `roster_schema` holds one row per applied version. Migrations run in one
//! SERIALIZABLE transaction that first inserts the version row: two replicas
//! migrating an empty database at once conflict there (or on the catalog),
//! and the loser retries, finds the version applied and does nothing.

use tokio_postgres::Client;
use tokio_postgres::IsolationLevel;

use crate::domain::{Error, Result};

/// The schema version this build reads and writes.
pub const VERSION: i32 = 1;

/// Version 1.
const V1: &str = r#"
CREATE TABLE roster_schema (
    version INT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE orgs (
    id TEXT COLLATE "C" PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE tenants (
    id TEXT COLLATE "C" PRIMARY KEY,
    org_id TEXT COLLATE "C" NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX tenants_by_org ON tenants (org_id, id);
CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    org_id TEXT COLLATE "C" NOT NULL,
    tenant_id TEXT COLLATE "C",
    super_admin BOOLEAN NOT NULL,
    record TEXT NOT NULL,
    listing_version BIGINT NOT NULL,
    listing BYTEA NOT NULL
);
CREATE INDEX users_by_org ON users (org_id, id);
CREATE INDEX users_by_tenant ON users (tenant_id, id);
CREATE INDEX super_admins ON users (id) WHERE super_admin;
CREATE TABLE access_keys (
    digest BYTEA PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (user_id, name)
);
CREATE TABLE configs (
    user_id TEXT COLLATE "C" PRIMARY KEY,
    config TEXT NOT NULL
);
CREATE TABLE roster_flags (
    name TEXT PRIMARY KEY
);
"#;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: [&str; 1] = [V1];

/// The schema version of the database: `None` when it has none (empty).
pub async fn version(client: &Client) -> Result<Option<i32>> {
    let table = client
        .query_opt(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'roster_schema' \
             AND table_schema = current_schema()",
            &[],
        )
        .await
        .map_err(Error::storage)?;
    if table.is_none() {
        return Ok(None);
    }
    let row = client
        .query_one("SELECT max(version) FROM roster_schema", &[])
        .await
        .map_err(Error::storage)?;
    Ok(row.get::<_, Option<i32>>(0))
}

/// Brings the database to [`VERSION`]; answers the version it found. A
/// database newer than this build is refused.
pub async fn migrate(client: &mut Client) -> Result<Option<i32>> {
    for attempt in 0.. {
        let found = version(client).await?;
        if found.is_some_and(|v| v > VERSION) {
            return Err(newer(found.unwrap_or_default()));
        }
        if found == Some(VERSION) {
            return Ok(found);
        }
        match apply(client, found.unwrap_or(0)).await {
            Ok(()) => return Ok(found),
            // Another process migrated at the same time: look again.
            Err(e) if attempt < 5 && super::retryable(&e) => continue,
            Err(e) => return Err(Error::storage(e)),
        }
    }
    unreachable!("the loop returns")
}

/// Applies the migrations after version `from`, in one transaction.
async fn apply(client: &mut Client, from: i32) -> Result<(), tokio_postgres::Error> {
    let txn = client
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .await?;
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let version = i as i32 + 1;
        txn.batch_execute(migration).await?;
        txn.execute(
            "INSERT INTO roster_schema (version) VALUES ($1)",
            &[&version],
        )
        .await?;
    }
    txn.commit().await
}

/// The error of a database whose schema this build does not know.
pub fn newer(found: i32) -> Error {
    Error::Unavailable(if found > VERSION {
        "the database's schema is newer than this roster; upgrade roster"
    } else {
        "the database's schema is older than this roster; run `roster migrate`"
    })
}
