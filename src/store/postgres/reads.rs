//! Reads over the PostgreSQL schema, shared by the store (each on a pooled
//! connection) and its transactions: the `Reader` methods, the records in
//! export order, and `check`.

use std::collections::BTreeSet;

use deadpool_postgres::{GenericClient, Pool, Transaction};
use serde::de::DeserializeOwned;
use tokio_postgres::{types::ToSql, Row};

use crate::domain::{AccessKey, Error, KeyDigest, ListingForm, Organization, Result, Tenant, User};
use crate::store::{Record, RecordPage};

/// Where a read runs: a pooled connection, or the change's transaction.
pub(super) enum Conn<'a> {
    Pool(&'a Pool),
    Txn(&'a Transaction<'a>),
}

/// The store and its transactions: anything that reads.
pub(super) trait HasConn: Send + Sync {
    fn conn(&self) -> Conn<'_>;
}

/// A database error as the domain's: a lost or refused connection, or a
/// database shutting down, is UNAVAILABLE; a conflict keeps its cause (the
/// write runs the change again); anything else is a storage failure.
pub(super) fn pg(e: tokio_postgres::Error) -> Error {
    if super::connection_lost(&e) {
        super::unreachable(e)
    } else {
        Error::storage(e)
    }
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl Conn<'_> {
    pub(super) async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        match self {
            Conn::Pool(pool) => {
                let client = pool.get().await.map_err(super::unreachable)?;
                run_query(&client, sql, params).await
            }
            Conn::Txn(txn) => run_query(*txn, sql, params).await,
        }
    }

    pub(super) async fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    /// The record (JSON in column 0) of the row `sql` finds, if any.
    pub(super) async fn record<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<T>> {
        match self.query_opt(sql, params).await? {
            Some(row) => Ok(Some(decode(&row, 0)?)),
            None => Ok(None),
        }
    }

    /// The records (JSON in column 0) of the rows `sql` finds.
    pub(super) async fn records<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<T>> {
        self.query(sql, params)
            .await?
            .iter()
            .map(|row| decode(row, 0))
            .collect()
    }

    pub(super) async fn count(&self, sql: &str, params: Params<'_>) -> Result<usize> {
        let row = self.query_opt(sql, params).await?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0) as usize))
    }
}

async fn run_query(
    client: &(impl GenericClient + ?Sized),
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(pg)?;
    client.query(&statement, params).await.map_err(pg)
}

/// The JSON record in column `i`.
pub(super) fn decode<T: DeserializeOwned>(row: &Row, i: usize) -> Result<T> {
    Ok(serde_json::from_str(row.get::<_, &str>(i))?)
}

pub(super) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn digest(bytes: &[u8]) -> Result<KeyDigest> {
    <[u8; 32]>::try_from(bytes)
        .map(KeyDigest)
        .map_err(|_| Error::storage("corrupt key digest"))
}

/// The `Reader` methods over `self.conn()`: one implementation, for the
/// store and for its transactions.
macro_rules! reader {
    ($ty:ty) => {
        const _: () = {
            use $crate::domain::{
                AccessKey, JsonMap, KeyDigest, ListingForm, Listings, Organization, Result, Tenant,
                User,
            };
            use $crate::store::postgres::reads::{digest, limit, HasConn as _};
            use $crate::store::UserScope;

        #[async_trait::async_trait]
        impl $crate::store::Reader for $ty {
            async fn org(&self, id: &str) -> Result<Option<Organization>> {
                self.conn().record("SELECT record FROM orgs WHERE id = $1", &[&id]).await
            }

            async fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
                self.conn().record("SELECT record FROM tenants WHERE id = $1", &[&id]).await
            }

            async fn user(&self, id: &str) -> Result<Option<User>> {
                self.conn().record("SELECT record FROM users WHERE id = $1", &[&id]).await
            }

            async fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>> {
                let digest = &digest.0[..];
                self.conn()
                    .record("SELECT record FROM access_keys WHERE digest = $1", &[&digest])
                    .await
            }

            async fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>> {
                let row = self
                    .conn()
                    .query_opt(
                        "SELECT digest FROM access_keys WHERE user_id = $1 AND name = $2",
                        &[&user_id, &name],
                    )
                    .await?;
                row.map(|r| digest(r.get::<_, &[u8]>(0))).transpose()
            }

            async fn config(&self, user_id: &str) -> Result<JsonMap> {
                let config: Option<JsonMap> = self
                    .conn()
                    .record("SELECT config FROM configs WHERE user_id = $1", &[&user_id])
                    .await?;
                Ok(config.unwrap_or_default())
            }

            async fn list_orgs(&self, after: &str, n: usize) -> Result<Vec<Organization>> {
                self.conn()
                    .records(
                        "SELECT record FROM orgs WHERE id > $1 ORDER BY id LIMIT $2",
                        &[&after, &limit(n)],
                    )
                    .await
            }

            async fn list_tenants(&self, org_id: &str, after: &str, n: usize) -> Result<Vec<Tenant>> {
                self.conn()
                    .records(
                        "SELECT record FROM tenants WHERE org_id = $1 AND id > $2 \
                         ORDER BY id LIMIT $3",
                        &[&org_id, &after, &limit(n)],
                    )
                    .await
            }

            async fn list_users(
                &self,
                scope: UserScope<'_>,
                after: &str,
                n: usize,
            ) -> Result<Vec<User>> {
                let (sql, id) = match scope {
                    UserScope::Org(org) => (
                        "SELECT record FROM users WHERE org_id = $1 AND id > $2 \
                         ORDER BY id LIMIT $3",
                        org,
                    ),
                    UserScope::Tenant(tenant) => (
                        "SELECT record FROM users WHERE tenant_id = $1 AND id > $2 \
                         ORDER BY id LIMIT $3",
                        tenant,
                    ),
                };
                self.conn().records(sql, &[&id, &after, &limit(n)]).await
            }

            async fn list_user_listings(
                &self,
                scope: UserScope<'_>,
                after: &str,
                n: usize,
                form: &ListingForm,
            ) -> Result<Listings> {
                // The record only where the kept form is of another version.
                let (sql, id) = match scope {
                    UserScope::Org(org) => (
                        "SELECT id, listing, CASE WHEN listing_version = $4 THEN NULL \
                         ELSE record END FROM users WHERE org_id = $1 AND id > $2 \
                         ORDER BY id LIMIT $3",
                        org,
                    ),
                    UserScope::Tenant(tenant) => (
                        "SELECT id, listing, CASE WHEN listing_version = $4 THEN NULL \
                         ELSE record END FROM users WHERE tenant_id = $1 AND id > $2 \
                         ORDER BY id LIMIT $3",
                        tenant,
                    ),
                };
                let version = i64::from(form.version);
                let rows = self
                    .conn()
                    .query(sql, &[&id, &after, &limit(n), &version])
                    .await?;
                let mut listed = Listings::default();
                for row in &rows {
                    let id: &str = row.get(0);
                    match row.get::<_, Option<&str>>(2) {
                        None => listed.push(id, row.get::<_, &[u8]>(1)),
                        Some(record) => {
                            let user: User = serde_json::from_str(record)?;
                            listed.push(id, &(form.encode)(&user));
                        }
                    }
                }
                Ok(listed)
            }

            async fn list_keys(&self, user_id: &str, after: &str, n: usize) -> Result<Vec<AccessKey>> {
                self.conn()
                    .records(
                        "SELECT record FROM access_keys WHERE user_id = $1 AND name > $2 \
                         ORDER BY name LIMIT $3",
                        &[&user_id, &after, &limit(n)],
                    )
                    .await
            }

            async fn count_keys(&self, user_id: &str) -> Result<usize> {
                self.conn()
                    .count(
                        "SELECT count(*) FROM access_keys WHERE user_id = $1",
                        &[&user_id],
                    )
                    .await
            }

            async fn org_has_tenants(&self, org_id: &str) -> Result<bool> {
                let row = self
                    .conn()
                    .query_opt("SELECT 1 FROM tenants WHERE org_id = $1 LIMIT 1", &[&org_id])
                    .await?;
                Ok(row.is_some())
            }

            async fn has_users(&self, scope: UserScope<'_>) -> Result<bool> {
                let (sql, id) = match scope {
                    UserScope::Org(org) => ("SELECT 1 FROM users WHERE org_id = $1 LIMIT 1", org),
                    UserScope::Tenant(tenant) => {
                        ("SELECT 1 FROM users WHERE tenant_id = $1 LIMIT 1", tenant)
                    }
                };
                Ok(self.conn().query_opt(sql, &[&id]).await?.is_some())
            }

            async fn count_super_admins(&self, n: usize) -> Result<usize> {
                self.conn()
                    .count(
                        "SELECT count(*) FROM (SELECT 1 FROM users WHERE super_admin LIMIT $1) AS s",
                        &[&limit(n)],
                    )
                    .await
            }

            async fn is_bootstrapped(&self) -> Result<bool> {
                let row = self
                    .conn()
                    .query_opt("SELECT 1 FROM roster_flags WHERE name = 'bootstrapped'", &[])
                    .await?;
                Ok(row.is_some())
            }
        }
        };
    };
}

// The store's reads; its transactions' are instantiated in `txn`.
reader!(super::PgStore);
pub(super) use reader;

/// Record kinds in export order, each with its cursor prefix and query.
const EXPORT: [(&str, &str); 5] = [
    (
        "o/",
        "SELECT id, record FROM orgs WHERE id > $1 ORDER BY id LIMIT $2",
    ),
    (
        "t/",
        "SELECT id, record FROM tenants WHERE id > $1 ORDER BY id LIMIT $2",
    ),
    (
        "u/",
        "SELECT id, record FROM users WHERE id > $1 ORDER BY id LIMIT $2",
    ),
    (
        "k/",
        "SELECT encode(digest, 'hex'), record FROM access_keys \
         WHERE encode(digest, 'hex') > $1 ORDER BY digest LIMIT $2",
    ),
    (
        "c/",
        "SELECT user_id, config FROM configs WHERE user_id > $1 ORDER BY user_id LIMIT $2",
    ),
];

/// Up to `n` records after `cursor` (`<kind prefix><id>`), in export order.
pub(super) async fn records(conn: Conn<'_>, cursor: Option<&str>, n: usize) -> Result<RecordPage> {
    let mut page = RecordPage::default();
    let (first, mut after) = match cursor {
        None => (0, String::new()),
        Some(c) => match EXPORT.iter().position(|(p, _)| c.starts_with(p)) {
            Some(i) => (i, c[EXPORT[i].0.len()..].to_owned()),
            None => return Err(Error::invalid("cursor", "is not a cursor this store gave")),
        },
    };
    for (prefix, sql) in &EXPORT[first..] {
        let wanted = n - page.records.len();
        let rows = conn.query(sql, &[&after, &limit(wanted + 1)]).await?;
        for row in &rows {
            if page.records.len() == n {
                return Ok(page);
            }
            let id: String = row.get(0);
            page.records.push(record(prefix, id.clone(), row)?);
            page.next = Some(format!("{prefix}{id}"));
        }
        after.clear();
    }
    let bootstrapped = conn
        .query_opt(
            "SELECT 1 FROM roster_flags WHERE name = 'bootstrapped'",
            &[],
        )
        .await?
        .is_some();
    if bootstrapped {
        if page.records.len() == n {
            return Ok(page);
        }
        page.records.push(Record::Bootstrapped);
    }
    page.next = None;
    Ok(page)
}

/// The record of kind `prefix` in `row` (id, JSON).
fn record(prefix: &str, id: String, row: &Row) -> Result<Record> {
    Record::from_stored(prefix, id, row.get::<_, &str>(1).as_bytes())
}

/// Every disagreement between the records and the columns and rows that
/// index them.
pub(super) async fn check(conn: Conn<'_>, form: &ListingForm) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut orgs = BTreeSet::new();
    for row in conn.query("SELECT id, record FROM orgs", &[]).await? {
        let id: String = row.get(0);
        match decode::<Organization>(&row, 1) {
            Ok(o) if o.id != id => problems.push(format!("organization `{id}` holds `{}`", o.id)),
            Ok(_) => {}
            Err(e) => problems.push(format!("organization `{id}`: undecodable record: {e}")),
        }
        orgs.insert(id);
    }
    let mut tenants = std::collections::BTreeMap::new();
    for row in conn
        .query("SELECT id, org_id, record FROM tenants", &[])
        .await?
    {
        let (id, org_id): (String, String) = (row.get(0), row.get(1));
        match decode::<Tenant>(&row, 2) {
            Ok(t) if t.id != id || t.org_id != org_id => {
                problems.push(format!("tenant `{id}`'s columns disagree with its record"))
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("tenant `{id}`: undecodable record: {e}")),
        }
        if !orgs.contains(&org_id) {
            problems.push(format!(
                "tenant `{id}` names missing organization `{org_id}`"
            ));
        }
        tenants.insert(id, org_id);
    }
    let mut users = BTreeSet::new();
    let rows = conn
        .query(
            "SELECT id, org_id, tenant_id, super_admin, record, listing_version, listing FROM users",
            &[],
        )
        .await?;
    for row in rows {
        let id: String = row.get(0);
        let org_id: String = row.get(1);
        let tenant_id: Option<String> = row.get(2);
        let user = match decode::<User>(&row, 4) {
            Ok(u) => u,
            Err(e) => {
                problems.push(format!("user `{id}`: undecodable record: {e}"));
                continue;
            }
        };
        let super_admin = user.roles.iter().any(|r| r == "super-admin");
        if user.id != id
            || user.org_id != org_id
            || user.tenant_id != tenant_id
            || super_admin != row.get::<_, bool>(3)
        {
            problems.push(format!("user `{id}`'s columns disagree with its record"));
        }
        if !orgs.contains(&org_id) {
            problems.push(format!("user `{id}` names missing organization `{org_id}`"));
        }
        if let Some(tenant) = &tenant_id {
            match tenants.get(tenant) {
                None => problems.push(format!("user `{id}` names missing tenant `{tenant}`")),
                Some(t_org) if *t_org != org_id => problems.push(format!(
                    "user `{id}` of organization `{org_id}` is in tenant `{tenant}` of `{t_org}`"
                )),
                Some(_) => {}
            }
        }
        let current = row.get::<_, i64>(5) == i64::from(form.version);
        if current && row.get::<_, &[u8]>(6) != (form.encode)(&user).as_slice() {
            problems.push(format!("user `{id}` keeps a stale listing"));
        }
        users.insert(id);
    }
    for row in conn
        .query("SELECT digest, user_id, name, record FROM access_keys", &[])
        .await?
    {
        let (user_id, name): (String, String) = (row.get(1), row.get(2));
        match decode::<AccessKey>(&row, 3) {
            Ok(k) if k.user_id != user_id || k.name != name => problems.push(format!(
                "access key `{name}` of `{user_id}`: columns disagree with its record"
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("access key `{name}`: undecodable record: {e}")),
        }
        if row.get::<_, &[u8]>(0).len() != 32 {
            problems.push(format!(
                "access key `{name}` of `{user_id}`: not a SHA-256 digest"
            ));
        }
        if !users.contains(&user_id) {
            problems.push(format!(
                "access key `{name}` belongs to missing user `{user_id}`"
            ));
        }
    }
    for row in conn.query("SELECT user_id FROM configs", &[]).await? {
        let user_id: String = row.get(0);
        if !users.contains(&user_id) {
            problems.push(format!("configuration of missing user `{user_id}`"));
        }
    }
    let bootstrapped = conn
        .query_opt(
            "SELECT 1 FROM roster_flags WHERE name = 'bootstrapped'",
            &[],
        )
        .await?
        .is_some();
    if (!orgs.is_empty() || !users.is_empty()) && !bootstrapped {
        problems.push("records exist but the bootstrap mark is missing".into());
    }
    Ok(problems)
}
