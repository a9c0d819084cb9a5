//! Offline operations on a stopped server's store: `roster check`,
//! `roster export` and `roster import` (JSON Lines, key digests included,
//! never secrets), so operators can verify, back up, restore, and move off a
//! damaged store.

use std::{
    collections::BTreeMap,
    io::{BufRead, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use crate::auth::keys;
use crate::domain::{validate, AccessKey, Error, Result};
use crate::store::{Record, SledStore, Store, Txn};

/// The `format` of an export's header line.
pub const FORMAT: &str = "roster-export";
/// The version of the export format.
pub const VERSION: u32 = 1;
/// Records per store write during an import.
const IMPORT_BATCH: usize = 1000;

/// The store directory inside a data directory.
pub fn store_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("store")
}

/// Opens the existing store of `data_dir` (never creates one).
pub fn open_existing(data_dir: &Path) -> Result<SledStore> {
    let dir = store_dir(data_dir);
    if !dir.join("db").exists() {
        return Err(Error::Storage(format!(
            "no roster store in {}",
            dir.display()
        )));
    }
    SledStore::open(&dir, crate::api::convert::user_listing)
}

/// How many records of each kind an export or import carried.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<&'static str, u64>);

impl Counts {
    fn add(&mut self, record: &Record) {
        let kind = match record {
            Record::Header { .. } => return,
            Record::Organization(_) => "organizations",
            Record::Tenant(_) => "tenants",
            Record::User(_) => "users",
            Record::AccessKey { .. } => "access keys",
            Record::Config { .. } => "configurations",
            Record::Bootstrapped => "bootstrap marks",
        };
        *self.0.entry(kind).or_default() += 1;
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, n)| format!("{n} {k}")).collect();
        f.write_str(&parts.join(", "))
    }
}

/// Writes a header line and every record of `store` as JSON Lines.
pub fn export(store: &impl Store, out: &mut dyn Write) -> Result<Counts> {
    let mut counts = Counts::default();
    let header = Record::Header {
        format: FORMAT.into(),
        version: VERSION,
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    store.for_each_record(&mut |record| {
        counts.add(&record);
        serde_json::to_writer(&mut *out, &record)?;
        out.write_all(b"\n")?;
        Ok(())
    })?;
    out.flush()?;
    Ok(counts)
}

/// Reads an export into `store`, which must be empty. Each batch of records
/// is one durable write; if the import fails half-way, start again from an
/// empty data directory.
pub async fn import(store: &impl Store, input: &mut dyn BufRead) -> Result<Counts> {
    if store.is_bootstrapped()? || !store.list_orgs("", 1)?.is_empty() {
        return Err(Error::invalid(
            "data-dir",
            "the store is not empty; import into a new data directory",
        ));
    }
    let mut lines = input.lines().enumerate();
    match lines.next() {
        Some((_, line)) => match serde_json::from_str::<Record>(&line?) {
            Ok(Record::Header { format, version }) if format == FORMAT && version == VERSION => {}
            _ => {
                return Err(Error::invalid(
                    "input",
                    format!("line 1 is not a `{FORMAT}` version {VERSION} header"),
                ))
            }
        },
        None => return Err(Error::invalid("input", "is empty")),
    }
    let mut counts = Counts::default();
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    for (i, line) in lines {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line)
            .map_err(|e| Error::invalid("input", format!("line {}: {e}", i + 1)))?;
        validate_record(&record)
            .map_err(|e| Error::invalid("input", format!("line {}: {e}", i + 1)))?;
        counts.add(&record);
        batch.push(record);
        if batch.len() == IMPORT_BATCH {
            write_batch(store, std::mem::take(&mut batch)).await?;
        }
    }
    write_batch(store, batch).await?;
    Ok(counts)
}

/// The checks a record must pass before it is imported.
fn validate_record(record: &Record) -> Result<()> {
    match record {
        Record::Header { .. } => Err(Error::invalid("kind", "a second header")),
        Record::Organization(o) => validate::id("organization.id", &o.id),
        Record::Tenant(t) => {
            validate::id("tenant.id", &t.id)?;
            validate::id("tenant.org_id", &t.org_id)
        }
        Record::User(u) => {
            validate::id("user.id", &u.id)?;
            validate::id("user.org_id", &u.org_id)?;
            validate::optional_id("user.tenant_id", &u.tenant_id)
        }
        Record::AccessKey {
            digest,
            user_id,
            name,
            ..
        } => {
            if keys::parse_digest_hex(digest).is_none() {
                return Err(Error::invalid("digest", "is not 64 hex digits"));
            }
            validate::id("user_id", user_id)?;
            validate::key_name("name", name)
        }
        Record::Config { user_id, .. } => validate::id("user_id", user_id),
        Record::Bootstrapped => Ok(()),
    }
}

async fn write_batch(store: &impl Store, batch: Vec<Record>) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    store
        .write(deadline, move |txn: &mut dyn Txn| {
            for record in batch {
                match record {
                    Record::Header { .. } => {}
                    Record::Organization(o) => txn.put_org(&o)?,
                    Record::Tenant(t) => txn.put_tenant(&t)?,
                    Record::User(u) => txn.put_user(None, &u)?,
                    Record::AccessKey {
                        digest,
                        user_id,
                        name,
                        redacted,
                        created_at,
                    } => {
                        let digest = keys::parse_digest_hex(&digest)
                            .ok_or_else(|| Error::invalid("digest", "is not 64 hex digits"))?;
                        txn.put_key(
                            &digest,
                            &AccessKey {
                                user_id,
                                name,
                                redacted,
                                created_at,
                            },
                        )?;
                    }
                    Record::Config { user_id, config } => txn.put_config(&user_id, &config)?,
                    Record::Bootstrapped => txn.set_bootstrapped()?,
                }
            }
            Ok(())
        })
        .await
}
