//! A change's transaction: the `Txn` writes as SQL statements, and the
//! commit that notifies other replicas when a caller may have changed.

use deadpool_postgres::Transaction;

use super::reads::{pg, Conn, HasConn};
use crate::domain::{
    AccessKey, JsonMap, KeyDigest, ListingForm, Organization, Result, Tenant, User,
};
use crate::store::Txn;

/// One running change.
pub(super) struct PgTxn<'a> {
    txn: Transaction<'a>,
    /// The change may alter what a key authenticates as (see
    /// `Store::revision`).
    affects_callers: bool,
}

impl<'a> PgTxn<'a> {
    pub(super) fn new(txn: Transaction<'a>) -> Self {
        PgTxn {
            txn,
            affects_callers: false,
        }
    }

    pub(super) fn affects_callers(&self) -> bool {
        self.affects_callers
    }

    /// Commits, first notifying `channel` (delivered with the commit) when
    /// the change may alter a caller.
    pub(super) async fn commit(self, channel: &str) -> Result<(), tokio_postgres::Error> {
        if self.affects_callers {
            self.txn
                .execute("SELECT pg_notify($1, '')", &[&channel])
                .await?;
        }
        self.txn.commit().await
    }

    /// Inserts a user's row; `on_conflict` says what a taken id does
    /// (`DO UPDATE ...` or `DO NOTHING`). Answers the rows written.
    async fn write_user(&self, user: &User, form: &ListingForm, on_conflict: &str) -> Result<u64> {
        let super_admin = user.roles.iter().any(|r| r == "super-admin");
        let sql = format!(
            "INSERT INTO users (id, org_id, tenant_id, super_admin, record, listing_version, listing) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) {on_conflict}"
        );
        self.execute(
            &sql,
            &[
                &user.id,
                &user.org_id,
                &user.tenant_id,
                &super_admin,
                &json(user)?,
                &i64::from(form.version),
                &(form.encode)(user),
            ],
        )
        .await
    }

    async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64> {
        let statement = self.txn.prepare_cached(sql).await.map_err(pg)?;
        self.txn.execute(&statement, params).await.map_err(pg)
    }
}

impl HasConn for PgTxn<'_> {
    fn conn(&self) -> Conn<'_> {
        Conn::Txn(&self.txn)
    }
}

// The `Reader` methods, the same as the store's, over this transaction.
super::reads::reader!(PgTxn<'_>);

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

#[async_trait::async_trait]
impl Txn for PgTxn<'_> {
    async fn put_org(&mut self, org: &Organization) -> Result<()> {
        self.execute(
            "INSERT INTO orgs (id, record) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET record = excluded.record",
            &[&org.id, &json(org)?],
        )
        .await?;
        Ok(())
    }

    async fn delete_org(&mut self, id: &str) -> Result<()> {
        self.execute("DELETE FROM orgs WHERE id = $1", &[&id])
            .await?;
        Ok(())
    }

    async fn put_tenant(&mut self, tenant: &Tenant) -> Result<()> {
        self.execute(
            "INSERT INTO tenants (id, org_id, record) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, record = excluded.record",
            &[&tenant.id, &tenant.org_id, &json(tenant)?],
        )
        .await?;
        Ok(())
    }

    async fn delete_tenant(&mut self, id: &str) -> Result<()> {
        self.execute("DELETE FROM tenants WHERE id = $1", &[&id])
            .await?;
        Ok(())
    }

    async fn put_user(&mut self, user: &User, form: &ListingForm) -> Result<()> {
        self.affects_callers = true;
        self.write_user(
            user,
            form,
            "DO UPDATE SET org_id = excluded.org_id, tenant_id = excluded.tenant_id, \
             super_admin = excluded.super_admin, record = excluded.record, \
             listing_version = excluded.listing_version, listing = excluded.listing",
        )
        .await?;
        Ok(())
    }

    async fn insert_user(&mut self, user: &User, form: &ListingForm) -> Result<bool> {
        // A new user changes no cached caller (it has no key yet, and a
        // refusal is never cached): the revision stays.
        Ok(self.write_user(user, form, "DO NOTHING").await? > 0)
    }

    async fn delete_user(&mut self, id: &str) -> Result<()> {
        self.affects_callers = true;
        self.execute("DELETE FROM access_keys WHERE user_id = $1", &[&id])
            .await?;
        self.execute("DELETE FROM configs WHERE user_id = $1", &[&id])
            .await?;
        self.execute("DELETE FROM users WHERE id = $1", &[&id])
            .await?;
        Ok(())
    }

    async fn put_key(&mut self, digest: &KeyDigest, key: &AccessKey) -> Result<()> {
        self.execute(
            "INSERT INTO access_keys (digest, user_id, name, record) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (digest) DO UPDATE SET user_id = excluded.user_id, \
             name = excluded.name, record = excluded.record",
            &[&&digest.0[..], &key.user_id, &key.name, &json(key)?],
        )
        .await?;
        Ok(())
    }

    async fn delete_key(&mut self, digest: &KeyDigest) -> Result<()> {
        let deleted = self
            .execute(
                "DELETE FROM access_keys WHERE digest = $1",
                &[&&digest.0[..]],
            )
            .await?;
        if deleted > 0 {
            self.affects_callers = true;
        }
        Ok(())
    }

    async fn put_config(&mut self, user_id: &str, config: &JsonMap) -> Result<()> {
        if config.is_empty() {
            self.execute("DELETE FROM configs WHERE user_id = $1", &[&user_id])
                .await?;
        } else {
            self.execute(
                "INSERT INTO configs (user_id, config) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET config = excluded.config",
                &[&user_id, &json(config)?],
            )
            .await?;
        }
        Ok(())
    }

    async fn set_bootstrapped(&mut self) -> Result<()> {
        self.execute(
            "INSERT INTO roster_flags (name) VALUES ('bootstrapped') ON CONFLICT (name) DO NOTHING",
            &[],
        )
        .await?;
        Ok(())
    }
}
