//! The shared backend: roster's records in PostgreSQL, for any number of
//! stateless replicas.
//!
//! - Every write is one SERIALIZABLE transaction running the change; a
//!   serialization failure, a deadlock or a unique violation (a racing
//!   insert) rolls it back and runs the change again after a random pause
//!   that grows with each attempt (so that racing changes fall out of step),
//!   up to [`ATTEMPTS`] times within the call's deadline, then answers
//!   UNAVAILABLE.
//! - Reads outside a change each take a pooled connection (at most
//!   [`Options::pool_size`]); a database that cannot be reached answers
//!   UNAVAILABLE.
//! - The revision: a change that may alter a caller (a user written or
//!   deleted, a key deleted) sends `NOTIFY roster_changes` with its commit;
//!   every replica listens on a connection of its own and grows its revision
//!   on each notification, and also every [`Options::staleness`] whatever
//!   happens, so that a replica whose notifications are lost (its listening
//!   connection cut, say) serves no cached caller older than that bound.
//!   The writing replica grows its own revision before the write returns.
//! - The schema is versioned ([`schema`]); an empty database is migrated
//!   when the store opens, any other version mismatch keeps the store
//!   closed (UNAVAILABLE: the server waits NOT_SERVING and logs why).

mod reads;
pub(super) mod schema;
mod tls;
mod txn;

use std::{
    any::Any,
    str::FromStr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{error::SqlState, AsyncMessage, IsolationLevel};

use super::{Create, DynChange, PoolUse, RecordPage, Store, StoreStats};
use crate::domain::{Error, ListingForm, Result};
use reads::{Conn, HasConn};
use tls::Connector;
use txn::PgTxn;

/// Most times one change runs before the write answers UNAVAILABLE (if
/// its deadline has not come first).
pub const ATTEMPTS: u32 = 32;
/// The longest pause between two runs of a change.
const MAX_PAUSE: Duration = Duration::from_millis(50);
/// How long a health check waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The channel of change notifications.
const CHANNEL: &str = "roster_changes";

/// How a PostgreSQL store behaves.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Most pooled connections of this replica.
    pub pool_size: usize,
    /// Longest a cached caller may outlive a change made through another
    /// replica when notifications are lost.
    pub staleness: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pool_size: 16,
            staleness: Duration::from_secs(1),
        }
    }
}

/// roster's records in a PostgreSQL database.
pub(super) struct PgStore {
    pool: Pool,
    revision: Arc<AtomicU64>,
    /// Commits: their sizes (always 1) and round-trip times.
    stats: StoreStats,
    /// Listens for notifications and ticks the revision; stopped on drop.
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// Whether a failed statement may succeed when its transaction runs again.
pub(super) fn retryable(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|code| {
        [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::UNIQUE_VIOLATION,
            SqlState::DUPLICATE_TABLE,
        ]
        .contains(code)
    })
}

/// Whether a domain error carries a retryable database error.
fn retryable_error(e: &Error) -> bool {
    match e {
        Error::Storage(cause) => cause
            .downcast_ref::<tokio_postgres::Error>()
            .is_some_and(retryable),
        _ => false,
    }
}

impl PgStore {
    /// Connects to the database at `url` (a libpq connection string or
    /// URL), checks (and for an empty database with `Create::IfMissing`,
    /// creates) the schema, and starts listening for changes.
    pub(super) async fn open(url: &str, create: Create, options: Options) -> Result<Self> {
        let (config, connector) = parse(url)?;
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match &connector {
            Connector::Plain(tls) => Manager::from_config(config.clone(), *tls, manager_config),
            Connector::Tls(tls) => {
                Manager::from_config(config.clone(), tls.clone(), manager_config)
            }
        };
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .build()
            .map_err(|e| Error::internal(e.to_string()))?;
        let mut client = pool.get().await.map_err(unreachable)?;
        match schema::version(&client).await? {
            Some(schema::VERSION) => {}
            None if create == Create::IfMissing => {
                schema::migrate(&mut client).await?;
            }
            None => return Err(Error::storage("no roster schema in this database")),
            Some(found) => return Err(schema::newer(found)),
        }
        drop(client);
        let revision = Arc::new(AtomicU64::new(start_revision()));
        let listener = tokio::spawn(listen(
            config,
            connector,
            revision.clone(),
            options.staleness,
        ));
        Ok(PgStore {
            pool,
            revision,
            stats: StoreStats::default(),
            listener,
        })
    }

    /// A pooled connection, waiting no later than `deadline`.
    async fn client(&self, deadline: Instant) -> Result<deadpool_postgres::Client> {
        match tokio::time::timeout_at(deadline.into(), self.pool.get()).await {
            Ok(client) => client.map_err(unreachable),
            Err(_) => Err(Error::DeadlineExceeded),
        }
    }

    /// One run of a change: answers its outcome, or `None` when it must run
    /// again.
    async fn attempt(
        &self,
        deadline: Instant,
        change: &DynChange,
    ) -> Result<Option<Box<dyn Any + Send>>> {
        let mut client = self.client(deadline).await?;
        let txn = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .await
            .map_err(lost)?;
        let mut txn = PgTxn::new(txn);
        let answer = match change(&mut txn).await {
            Ok(answer) => answer,
            Err(e) if retryable_error(&e) => return Ok(None),
            // A change that failed on a lost connection was not committed.
            // Dropping the transaction rolls it back.
            Err(e) => return Err(e),
        };
        let affects_callers = txn.affects_callers();
        let committing = Instant::now();
        let committed = txn.commit(CHANNEL).await;
        self.stats.commit(1, committing);
        match committed {
            Ok(()) => {
                if affects_callers {
                    self.revision.fetch_add(1, Ordering::Release);
                }
                Ok(Some(answer))
            }
            Err(e) if retryable(&e) => Ok(None),
            // A commit the database refused was not applied.
            Err(e) if !connection_lost(&e) => Err(Error::storage(e)),
            // The connection may have failed after the database committed:
            // the outcome is unknown, and the change must not run again.
            Err(e) => {
                tracing::error!(error = %e, "a commit failed; its outcome is unknown");
                Err(Error::Unavailable(
                    "the store failed while committing; the change may or may not have been applied",
                ))
            }
        }
    }
}

/// Creates or upgrades the schema of the database at `url`.
pub(super) async fn migrate(url: &str) -> Result<Option<i32>> {
    let (config, connector) = parse(url)?;
    let (mut client, _driver) = connect(&config, &connector, |_| {})
        .await
        .map_err(unreachable)?;
    schema::migrate(&mut client).await
}

/// The connection settings and the connector a connection string asks for.
fn parse(url: &str) -> Result<(tokio_postgres::Config, Connector)> {
    let (url, connector) = tls::connector(url)?;
    let mut config = tokio_postgres::Config::from_str(&url)
        .map_err(|e| Error::invalid("store", format!("not a PostgreSQL connection string: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    // Notice a dead peer on an idle connection (the listener's) in bounded
    // time.
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10));
    Ok((config, connector))
}

/// A connection of its own (not pooled), whose messages other than
/// answers (notifications) go to `on_message`; the task that drives it
/// ends when the client is dropped or the connection fails.
async fn connect(
    config: &tokio_postgres::Config,
    connector: &Connector,
    on_message: impl FnMut(AsyncMessage) + Send + 'static,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), tokio_postgres::Error> {
    Ok(match connector {
        Connector::Plain(tls) => {
            let (client, connection) = config.connect(*tls).await?;
            (client, tokio::spawn(drive(connection, on_message)))
        }
        Connector::Tls(tls) => {
            let (client, connection) = config.connect(tls.clone()).await?;
            (client, tokio::spawn(drive(connection, on_message)))
        }
    })
}

/// Drives a connection until it ends, handing its messages to `on_message`.
async fn drive<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
    mut on_message: impl FnMut(AsyncMessage),
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
        match message {
            Ok(message) => on_message(message),
            Err(e) => {
                tracing::warn!(error = %e, "a store connection failed");
                break;
            }
        }
    }
}

/// A first revision no earlier handle can have reached.
fn start_revision() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// The error of a database that cannot be reached (the cause, with its
/// own causes, is logged).
fn unreachable(e: impl std::error::Error) -> Error {
    let mut cause = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        cause.push_str(": ");
        cause.push_str(&s.to_string());
        source = s.source();
    }
    tracing::warn!(error = %cause, "the store is unreachable");
    Error::Unavailable("the store is unreachable")
}

/// The error of a connection lost before a change was committed.
fn lost(e: tokio_postgres::Error) -> Error {
    reads::pg(e)
}

/// Whether an error says the database cannot be used now (rather than that
/// a statement failed): a closed or broken connection (no SQLSTATE), a
/// connection exception (class 08), a database shutting down or starting
/// (57P01-57P03), too many connections (53300).
pub(super) fn connection_lost(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        None => true,
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }
    }
}

/// Grows `revision` on every change notification, and every `staleness`
/// whatever happens; reconnects when its connection is lost.
async fn listen(
    config: tokio_postgres::Config,
    connector: Connector,
    revision: Arc<AtomicU64>,
    staleness: Duration,
) {
    let ticker = {
        let revision = revision.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(staleness);
            loop {
                tick.tick().await;
                revision.fetch_add(1, Ordering::Release);
            }
        })
    };
    let _stop_ticker = AbortOnDrop(ticker);
    loop {
        let notified = revision.clone();
        let on_message = move |message| {
            if let AsyncMessage::Notification(_) = message {
                notified.fetch_add(1, Ordering::Release);
            }
        };
        match connect(&config, &connector, on_message).await {
            Ok((client, driver)) => {
                if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    tracing::warn!(error = %e, "cannot listen for store changes");
                }
                // Changes made while nobody listened.
                revision.fetch_add(1, Ordering::Release);
                // The driver ends with the connection.
                let _ = driver.await;
                drop(client);
                revision.fetch_add(1, Ordering::Release);
                tracing::warn!("lost the store's change notifications; reconnecting");
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for store changes; retrying"),
        }
        tokio::time::sleep(staleness.min(Duration::from_millis(500))).await;
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl HasConn for PgStore {
    fn conn(&self) -> Conn<'_> {
        Conn::Pool(&self.pool)
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn write_dyn(&self, deadline: Instant, change: DynChange) -> Result<Box<dyn Any + Send>> {
        for attempt in 0..ATTEMPTS {
            if Instant::now() >= deadline {
                return Err(Error::DeadlineExceeded);
            }
            if let Some(answer) = self.attempt(deadline, &change).await? {
                return Ok(answer);
            }
            // A random pause, longer each time, before running it again.
            let ceiling = Duration::from_millis(1 << attempt.min(6)).min(MAX_PAUSE);
            let pause = ceiling
                .mul_f64(f64::from(getrandom::u32().unwrap_or(u32::MAX)) / f64::from(u32::MAX));
            tokio::time::sleep_until((Instant::now() + pause).min(deadline).into()).await;
        }
        Err(Error::Unavailable(
            "the store is busy with conflicting changes; try again",
        ))
    }

    fn revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }

    fn stats(&self) -> &StoreStats {
        &self.stats
    }

    fn pool(&self) -> Option<PoolUse> {
        let status = self.pool.status();
        Some(PoolUse {
            max: status.max_size,
            open: status.size,
            idle: status.available,
            waiting: status.waiting,
        })
    }

    async fn sync(&self) -> Result<()> {
        // Every acknowledged change was committed: nothing is pending.
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        let deadline = Instant::now() + PING_TIMEOUT;
        let answered = tokio::time::timeout_at(deadline.into(), async {
            let client = self.client(deadline).await?;
            client.simple_query("SELECT 1").await.map_err(reads::pg)?;
            Ok::<_, Error>(())
        })
        .await;
        match answered {
            Ok(Ok(())) => Ok(()),
            Ok(Err(Error::Unavailable(why))) => Err(Error::Unavailable(why)),
            Ok(Err(Error::DeadlineExceeded)) | Err(_) => {
                Err(Error::Unavailable("the store does not answer"))
            }
            Ok(Err(e)) => Err(e),
        }
    }

    async fn records(&self, cursor: Option<&str>, limit: usize) -> Result<RecordPage> {
        reads::records(self.conn(), cursor, limit).await
    }

    async fn check(&self, form: &ListingForm) -> Result<Vec<String>> {
        reads::check(self.conn(), form).await
    }
}
