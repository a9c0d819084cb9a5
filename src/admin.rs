//! Offline operations on a stopped server's store: `roster check`,
//! `roster export` and `roster import` (JSON Lines, key digests included,
//! never secrets), so operators can verify, back up, restore, and move off a
//! damaged store. [`run`] is the whole command, from its arguments to its
//! exit status.

use std::{
    collections::BTreeMap,
    fs::File,
    io::{self, BufRead, BufReader, BufWriter, Write},
    path::Path,
    process::ExitCode,
    time::{Duration, Instant},
};

use crate::api::listing;
use crate::config::Command;
use crate::domain::{validate, AccessKey, Error, KeyDigest, Result};
use crate::store::{self, Create, Location, Record, Store, Txn};

/// Runs an offline command: 0 when it succeeded, 1 when the store is
/// inconsistent (each problem on standard output), 2 when it could not run
/// (one line on standard error).
pub fn run(command: Command) -> ExitCode {
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::from)
        .and_then(|runtime| {
            runtime.block_on(async {
                match command {
                    Command::Check(store) => check(&store.location()).await,
                    Command::Export { store, output } => {
                        export_to(&store.location(), &output).await
                    }
                    Command::Import { store, input } => {
                        import_from(&store.location(), &input).await
                    }
                    Command::Migrate(store) => migrate(&store.location()).await,
                    Command::Serve(_) | Command::Healthcheck(_) => {
                        Err(Error::invalid("command", "not an offline command"))
                    }
                }
            })
        });
    match outcome {
        Ok(Outcome::Done(summary)) => {
            eprintln!("roster: {summary}");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Inconsistent(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!(
                "roster: the store is inconsistent: {} problems",
                problems.len()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("roster: {}", e.chain());
            ExitCode::from(2)
        }
    }
}

/// What an offline command found.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It did what it was asked: a one-line summary.
    Done(String),
    /// The store is inconsistent: every problem, in words.
    Inconsistent(Vec<String>),
}

/// Opens the existing store at `location` (never creates one).
async fn open_existing(location: &Location) -> Result<std::sync::Arc<dyn Store>> {
    store::open(location, Create::Never).await
}

/// `roster migrate`: creates or upgrades a PostgreSQL store's schema.
pub async fn migrate(location: &Location) -> Result<Outcome> {
    if !matches!(location, Location::Postgres(_)) {
        return Err(Error::invalid(
            "store",
            "`roster migrate` needs a PostgreSQL store (--store or ROSTER_STORE)",
        ));
    }
    let found = store::migrate(location).await?;
    Ok(Outcome::Done(match found {
        Some(v) if v == store::SCHEMA_VERSION => {
            format!("{location}: the schema is at version {v} already")
        }
        Some(v) => format!(
            "{location}: migrated the schema from version {v} to {}",
            store::SCHEMA_VERSION
        ),
        None => format!(
            "{location}: created the schema, version {}",
            store::SCHEMA_VERSION
        ),
    }))
}

/// `roster check`.
pub async fn check(location: &Location) -> Result<Outcome> {
    let store = open_existing(location).await?;
    let problems = store.check(&listing::form()).await?;
    Ok(if problems.is_empty() {
        Outcome::Done(format!("{location}: consistent"))
    } else {
        Outcome::Inconsistent(problems)
    })
}

/// `roster export`: to the file `output`, or standard output for `-`.
pub async fn export_to(location: &Location, output: &Path) -> Result<Outcome> {
    let store = open_existing(location).await?;
    let counts = if output == Path::new("-") {
        export(&*store, &mut BufWriter::new(io::stdout().lock())).await?
    } else {
        let mut file = BufWriter::new(File::create(output)?);
        let counts = export(&*store, &mut file).await?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        counts
    };
    Ok(Outcome::Done(format!("exported {counts}")))
}

/// `roster import`: from the file `input`, or standard input for `-`, into
/// a new store; then checks it.
pub async fn import_from(location: &Location, input: &Path) -> Result<Outcome> {
    let store = store::open(location, Create::IfMissing).await?;
    let counts = if input == Path::new("-") {
        import(&*store, &mut io::stdin().lock()).await?
    } else {
        import(&*store, &mut BufReader::new(File::open(input)?)).await?
    };
    let problems = store.check(&listing::form()).await?;
    Ok(if problems.is_empty() {
        Outcome::Done(format!("imported {counts}; the store is consistent"))
    } else {
        Outcome::Inconsistent(problems)
    })
}

/// The `format` of an export's header line.
pub const FORMAT: &str = "roster-export";
/// The version of the export format.
pub const VERSION: u32 = 1;
/// Records per store write during an import, and per read during an
/// export.
const BATCH: usize = 1000;

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
pub async fn export(store: &dyn Store, out: &mut dyn Write) -> Result<Counts> {
    let mut counts = Counts::default();
    let header = Record::Header {
        format: FORMAT.into(),
        version: VERSION,
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    let mut cursor = None;
    loop {
        let page = store.records(cursor.as_deref(), BATCH).await?;
        for record in &page.records {
            counts.add(record);
            serde_json::to_writer(&mut *out, record)?;
            out.write_all(b"\n")?;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.flush()?;
    Ok(counts)
}

/// Reads an export into `store`, which must be empty. Each batch of records
/// is one durable write; if the import fails half-way, start again from an
/// empty data directory.
pub async fn import(store: &dyn Store, input: &mut dyn BufRead) -> Result<Counts> {
    if store.is_bootstrapped().await? || !store.list_orgs("", 1).await?.is_empty() {
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
    let mut batch = Vec::with_capacity(BATCH);
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
        if batch.len() == BATCH {
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
            validate::optional_id("user.tenant_id", u.tenant_id.as_deref())
        }
        Record::AccessKey {
            digest,
            user_id,
            name,
            ..
        } => {
            if KeyDigest::from_hex(digest).is_none() {
                return Err(Error::invalid("digest", "is not 64 hex digits"));
            }
            validate::id("user_id", user_id)?;
            validate::key_name("name", name)
        }
        Record::Config { user_id, .. } => validate::id("user_id", user_id),
        Record::Bootstrapped => Ok(()),
    }
}

async fn write_batch(store: &dyn Store, batch: Vec<Record>) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    let form = listing::form();
    store
        .write(deadline, batch, move |txn, batch| {
            Box::pin(async move {
                for record in batch {
                    put_record(txn, record, &form).await?;
                }
                Ok(())
            })
        })
        .await
}

async fn put_record(
    txn: &mut dyn Txn,
    record: &Record,
    form: &crate::domain::ListingForm,
) -> Result<()> {
    match record {
        Record::Header { .. } => Ok(()),
        Record::Organization(o) => txn.put_org(o).await,
        Record::Tenant(t) => txn.put_tenant(t).await,
        Record::User(u) => txn.put_user(u, form).await,
        Record::AccessKey {
            digest,
            user_id,
            name,
            redacted,
            created_at,
        } => {
            let digest = KeyDigest::from_hex(digest)
                .ok_or_else(|| Error::invalid("digest", "is not 64 hex digits"))?;
            let key = AccessKey {
                user_id: user_id.clone(),
                name: name.clone(),
                redacted: redacted.clone(),
                created_at: *created_at,
            };
            txn.put_key(&digest, &key).await
        }
        Record::Config { user_id, config } => txn.put_config(user_id, config).await,
        Record::Bootstrapped => txn.set_bootstrapped().await,
    }
}
