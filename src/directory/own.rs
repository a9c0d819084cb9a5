//! The caller's own access keys, information and configuration.

use std::{sync::Arc, time::Instant};

use super::{
    rules::{already_exists, not_found},
    Directory,
};
use crate::auth::{keys, Authenticated, Caller, Operation, Secret};
use crate::domain::{now_millis, validate, AccessKey, Error, JsonMap, Page, PageRequest, Result};

impl Directory {
    /// Creates a key for the caller; returns it with its secret.
    pub async fn create_access_key(
        &self,
        who: &Authenticated,
        name: String,
        deadline: Instant,
    ) -> Result<(AccessKey, Secret)> {
        validate::key_name("name", &name)?;
        let caller = self.permitted(who, Operation::CreateAccessKey).await?;
        let secret = keys::generate()?;
        let digest = keys::digest(secret.expose());
        let key = AccessKey {
            user_id: caller.user.id.clone(),
            name,
            redacted: keys::redact(secret.expose()),
            created_at: now_millis(),
        };
        let stored = (digest, key.clone());
        self.store
            .write(deadline, stored, |txn, (digest, key)| {
                Box::pin(async move {
                    if txn.key_digest(&key.user_id, &key.name).await?.is_some() {
                        return Err(already_exists("access key", &key.name));
                    }
                    if txn.count_keys(&key.user_id).await? >= validate::MAX_KEYS_PER_USER {
                        return Err(Error::ResourceExhausted {
                            reason: "ACCESS_KEY_LIMIT",
                            message: format!(
                                "user already has {} access keys, the most allowed",
                                validate::MAX_KEYS_PER_USER
                            ),
                        });
                    }
                    txn.put_key(digest, key).await
                })
            })
            .await?;
        Ok((key, secret))
    }

    /// A page of the caller's keys, sorted by name.
    pub async fn list_access_keys(
        &self,
        who: &Authenticated,
        page: PageRequest,
    ) -> Result<Page<AccessKey>> {
        let caller = self.permitted(who, Operation::ListAccessKeys).await?;
        let keys = self
            .store
            .list_keys(caller.id(), &page.after, page.limit + 1)
            .await?;
        Ok(Page::from_overfetch(keys, &page, |k| &k.name))
    }

    /// Deletes the named keys of the caller, all or none; with
    /// `allow_missing`, names the caller has no key of are skipped instead of
    /// NOT_FOUND.
    pub async fn delete_access_keys(
        &self,
        who: &Authenticated,
        mut names: Vec<String>,
        allow_missing: bool,
        deadline: Instant,
    ) -> Result<()> {
        if names.is_empty() {
            return Err(Error::invalid("names", "must name at least one key"));
        }
        if names.len() > validate::MAX_KEYS_PER_USER {
            return Err(Error::invalid(
                "names",
                format!("at most {} names", validate::MAX_KEYS_PER_USER),
            ));
        }
        for (i, name) in names.iter().enumerate() {
            validate::key_name(&format!("names[{i}]"), name)?;
        }
        let caller = self.permitted(who, Operation::DeleteAccessKeys).await?;
        names.sort();
        names.dedup();
        let input = (caller.user.id.clone(), names, allow_missing);
        self.store
            .write(deadline, input, |txn, (user_id, names, allow_missing)| {
                Box::pin(async move {
                    let mut found = Vec::with_capacity(names.len());
                    for name in names {
                        match txn.key_digest(user_id, name).await? {
                            Some(digest) => found.push(digest),
                            None if *allow_missing => {}
                            None => return Err(not_found("access key", name)),
                        }
                    }
                    for digest in &found {
                        txn.delete_key(digest).await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// The user the call acts as (with its permissions: its roles' and
    /// the self permissions).
    pub async fn info(&self, who: &Authenticated) -> Result<Arc<Caller>> {
        self.permitted(who, Operation::GetInfo).await
    }

    /// Merges `updated` into the caller's configuration and removes the
    /// `deleted` keys; answers the whole configuration.
    pub async fn update_config(
        &self,
        who: &Authenticated,
        updated: JsonMap,
        deleted: Vec<String>,
        deadline: Instant,
    ) -> Result<JsonMap> {
        validate::config_update(&updated, &deleted)?;
        let caller = self.permitted(who, Operation::UpdateConfig).await?;
        let user_id = caller.user.id.clone();
        if updated.is_empty() && deleted.is_empty() {
            return self.store.config(&user_id).await;
        }
        let input = (user_id, updated, deleted);
        self.store
            .write(deadline, input, |txn, (user_id, updated, deleted)| {
                Box::pin(async move {
                    let mut config = txn.config(user_id).await?;
                    for key in deleted {
                        config.remove(key);
                    }
                    config.extend(updated.iter().map(|(k, v)| (k.clone(), v.clone())));
                    if config.len() > validate::MAX_CONFIG_KEYS {
                        return Err(Error::ResourceExhausted {
                            reason: "CONFIG_KEY_LIMIT",
                            message: format!(
                                "the configuration would have {} keys, at most {} allowed",
                                config.len(),
                                validate::MAX_CONFIG_KEYS
                            ),
                        });
                    }
                    let size = validate::json_size(&config);
                    if size > validate::MAX_CONFIG_BYTES {
                        return Err(Error::ResourceExhausted {
                            reason: "CONFIG_SIZE_LIMIT",
                            message: format!(
                                "the configuration would be {size} bytes, at most {} allowed",
                                validate::MAX_CONFIG_BYTES
                            ),
                        });
                    }
                    txn.put_config(user_id, &config).await?;
                    Ok(config)
                })
            })
            .await
    }
}
