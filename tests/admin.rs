//! The offline commands: `roster check`, `roster export`, `roster import`.

mod common;

use std::process::{Command, Output};

use common::{client_on, ServerProcess, TestServer};
use roster::pb;

fn roster(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env_remove("ROSTER_DATA_DIR")
        .env_remove("ROSTER_STORE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A directory with users, tenants, keys and configuration, written by a
/// server that has stopped; answers the keys of `admin` and `svc`.
async fn populated() -> (tempfile::TempDir, String, String) {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.tenant("acme-eu", "acme").await;
    let svc = s.user("svc", "acme", "acme-eu", &["app:robot"]).await;
    s.user("oa", "acme", "", &["org-admin"]).await;
    let mut variables = prost_types::Struct::default();
    variables.fields.insert(
        "n".into(),
        prost_types::Value {
            kind: Some(prost_types::value::Kind::NumberValue(0.1)),
        },
    );
    s.admin()
        .update_config(pb::UpdateConfigRequest {
            updated: Some(variables),
            deleted: vec![],
        })
        .await
        .unwrap();
    let admin = s.admin_key.clone();
    let dir = s.stop().await.unwrap();
    (dir, admin, svc)
}

/// Export → import into a new directory gives an identical export, `check`
/// passes on both, and every key still authenticates on the imported store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_round_trip() {
    let (old, admin, svc) = populated().await;
    let old_dir = old.path().to_str().unwrap();
    let check = roster(&["check", "--data-dir", old_dir]);
    assert!(check.status.success(), "{}", text(&check.stderr));

    let dump = old.path().join("dump.jsonl");
    let export = roster(&[
        "export",
        "--data-dir",
        old_dir,
        "--output",
        dump.to_str().unwrap(),
    ]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    assert!(
        text(&export.stderr).contains("3 users"),
        "{}",
        text(&export.stderr)
    );
    let dumped = std::fs::read_to_string(&dump).unwrap();
    assert!(dumped.starts_with(r#"{"kind":"header","format":"roster-export","version":1}"#));
    for secret in [&admin, &svc] {
        assert!(!dumped.contains(&secret[3..]), "a secret is in the export");
    }

    let new = tempfile::tempdir().unwrap();
    let new_dir = new.path().to_str().unwrap();
    let import = roster(&[
        "import",
        "--data-dir",
        new_dir,
        "--input",
        dump.to_str().unwrap(),
    ]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    assert!(text(&import.stderr).contains("consistent"));

    let again = roster(&["export", "--data-dir", new_dir]);
    assert!(again.status.success());
    assert_eq!(text(&again.stdout), dumped);

    // Importing twice is refused: the store is no longer empty.
    let twice = roster(&[
        "import",
        "--data-dir",
        new_dir,
        "--input",
        dump.to_str().unwrap(),
    ]);
    assert_eq!(twice.status.code(), Some(2));

    let server = ServerProcess::spawn(new.path(), &[], &[]);
    common::wait_serving(server.channel()).await;
    let info = client_on(server.channel(), Some(&svc), None)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.id, "svc");
    assert_eq!(info.roles, ["app:robot"]);
    let mut admin_client = client_on(server.channel(), Some(&admin), None);
    let config = admin_client
        .update_config(pb::UpdateConfigRequest::default())
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(
        config.fields["n"].kind,
        Some(prost_types::value::Kind::NumberValue(0.1))
    );
    let users = admin_client
        .list_users(pb::ListUsersRequest {
            lookup_tenant_id: "acme-eu".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(users.users.len(), 1);
    assert_eq!(users.users[0].id, "svc");
}

/// Moving between backends: an export of the embedded store imported into
/// PostgreSQL exports identically from there, and imported back into a new
/// embedded store, identically again; on PostgreSQL every key still
/// authenticates as its user, and `check` passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_to_postgres_and_back() {
    let (old, admin, svc) = populated().await;
    let dumped = roster(&["export", "--data-dir", old.path().to_str().unwrap()]);
    assert!(dumped.status.success(), "{}", text(&dumped.stderr));
    let dump = old.path().join("dump.jsonl");
    std::fs::write(&dump, &dumped.stdout).unwrap();

    let db = common::pg::database();
    let import = roster(&["import", "--store", &db, "--input", dump.to_str().unwrap()]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    assert!(text(&import.stderr).contains("the store is consistent"));
    let check = roster(&["check", "--store", &db]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    let from_pg = roster(&["export", "--store", &db]);
    assert!(from_pg.status.success(), "{}", text(&from_pg.stderr));
    assert_eq!(text(&from_pg.stdout), text(&dumped.stdout));

    let back = tempfile::tempdir().unwrap();
    let pg_dump = back.path().join("from-pg.jsonl");
    std::fs::write(&pg_dump, &from_pg.stdout).unwrap();
    let back_dir = back.path().join("data");
    let back_dir = back_dir.to_str().unwrap();
    let import = roster(&[
        "import",
        "--data-dir",
        back_dir,
        "--input",
        pg_dump.to_str().unwrap(),
    ]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    let again = roster(&["export", "--data-dir", back_dir]);
    assert_eq!(text(&again.stdout), text(&dumped.stdout));

    let server = ServerProcess::spawn(back.path(), &[], &["--store", &db]);
    common::wait_serving(server.channel()).await;
    for (key, id) in [(&svc, "svc"), (&admin, "admin")] {
        let info = client_on(server.channel(), Some(key), None)
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(info.id, id);
    }
}

/// `roster migrate` creates the schema of an empty PostgreSQL database once
/// and then finds it current; on the embedded store it is refused (exit 2).
#[tokio::test]
async fn migrate_postgres() {
    let db = common::pg::database();
    let first = roster(&["migrate", "--store", &db]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains("created the schema, version 1"),
        "{}",
        text(&first.stderr)
    );
    let second = roster(&["migrate", "--store", &db]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(text(&second.stderr).contains("the schema is at version 1 already"));
    // The password never shows.
    let secret = db.replace("postgres@", "postgres:hunter2@");
    let with_password = roster(&["migrate", "--store", &secret]);
    assert!(
        !text(&with_password.stderr).contains("hunter2"),
        "{}",
        text(&with_password.stderr)
    );
    let sled = tempfile::tempdir().unwrap();
    let refused = roster(&["migrate", "--data-dir", sled.path().to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
}

/// `check` reports a missing index entry, a stray one and a key of a missing
/// user, and exits 1; a missing store exits 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_inconsistencies() {
    let (dir, _, _) = populated().await;
    {
        let db = sled::open(dir.path().join("store")).unwrap();
        db.remove("ou/acme/svc").unwrap();
        db.insert("tu/acme-eu/ghost", b"".to_vec()).unwrap();
        // The scope index's listing of a user disagrees with the record.
        let mut svc: roster::domain::User =
            serde_json::from_slice(&db.get("u/svc").unwrap().unwrap()).unwrap();
        svc.name = "renamed behind the index's back".into();
        // A kept listing form of the current version (0x00, version, form).
        let form = roster::api::listing::form();
        let mut kept = vec![0];
        kept.extend_from_slice(&form.version.to_le_bytes());
        kept.extend_from_slice(&(form.encode)(&svc));
        db.insert("tu/acme-eu/svc", kept).unwrap();
        db.insert(
            format!("k/{}", "ab".repeat(32)),
            br#"{"user_id":"nobody","name":"x","redacted":"rk_...x","created_at":1}"#.to_vec(),
        )
        .unwrap();
        db.flush().unwrap();
    }
    let check = roster(&["check", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    let report = text(&check.stdout);
    assert!(
        report.contains("index entry `ou/acme/svc` is missing"),
        "{report}"
    );
    assert!(
        report.contains("index entry `tu/acme-eu/ghost` has no record"),
        "{report}"
    );
    assert!(
        report.contains("belongs to missing user `nobody`"),
        "{report}"
    );
    assert!(
        report.contains("index entry `tu/acme-eu/svc` holds a stale listing of user `svc`"),
        "{report}"
    );

    let empty = tempfile::tempdir().unwrap();
    let missing = roster(&["check", "--data-dir", empty.path().to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no roster store"));
}

/// Scope index entries written before they held the user's listing form
/// (empty values) still list their users, and `check` accepts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_index_entries_without_a_listing_still_list() {
    let (dir, admin, _) = populated().await;
    let listed = |admin: String, server: &ServerProcess| {
        let channel = server.channel();
        async move {
            common::wait_serving(channel.clone()).await;
            let mut c = client_on(channel, Some(&admin), None);
            common::all_users(&mut c, "acme").await
        }
    };
    let mut server = ServerProcess::spawn(dir.path(), &[], &[]);
    let before = listed(admin.clone(), &server).await;
    server.signal("-TERM");
    assert!(server.child.wait().unwrap().success());
    drop(server);
    {
        let db = sled::open(dir.path().join("store")).unwrap();
        for k in ["ou/acme/svc", "ou/acme/oa", "tu/acme-eu/svc"] {
            assert!(
                !db.get(k).unwrap().unwrap().is_empty(),
                "{k} holds a listing"
            );
            db.insert(k, b"".to_vec()).unwrap();
        }
        db.flush().unwrap();
    }
    let check = roster(&["check", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(check.status.success(), "{}", text(&check.stdout));
    let server = ServerProcess::spawn(dir.path(), &[], &[]);
    let after = listed(admin, &server).await;
    assert_eq!(
        after.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["oa", "svc"]
    );
    assert_eq!(after, before);
}

/// A malformed export is refused with the line it failed on, exit 2.
#[test]
fn import_refuses_malformed_input() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("bad.jsonl");
    std::fs::write(
        &dump,
        "{\"kind\":\"header\",\"format\":\"roster-export\",\"version\":1}\n{\"kind\":\"user\",\"id\":\"bad id\"}\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let import = roster(&[
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        "--input",
        dump.to_str().unwrap(),
    ]);
    assert_eq!(import.status.code(), Some(2));
    assert!(
        text(&import.stderr).contains("line 2"),
        "{}",
        text(&import.stderr)
    );
}
