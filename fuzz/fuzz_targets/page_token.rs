//! `PageRequest::parse(page_size, page_token)` on an arbitrary pair: the
//! first 4 bytes are `page_size` (little-endian i32, zero-padded), the rest
//! the token (invalid UTF-8 replaced, as no gRPC string can hold it).
//!
//! Invariants:
//! - nothing panics;
//! - a negative size is refused naming `page_size`; otherwise the limit is
//!   1..=1000 (0 meaning 1000, larger sizes clamped);
//! - an empty token is the first page; a non-empty one either decodes to a
//!   cursor that could be an id (1-256 printable ASCII bytes, no `/`) or is
//!   refused naming `page_token`; an accepted token is the one roster
//!   itself would issue for that cursor (tokens are canonical);
//! - `Page::from_overfetch` keeps at most `limit` items and issues a token
//!   exactly when it dropped one, and that token parses back to the last
//!   kept item's id: for the fuzzed token's cursor, for the token text
//!   itself whenever it is a valid id or access key name;
//! - the token text as an `id_prefix` is refused naming `id_prefix` unless
//!   it is an id (or empty: no prefix); an accepted prefix never moves the
//!   cursor back, and the prefix and the ids that extend it sort after the
//!   new cursor whenever they sorted after the old one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::domain::paging::MAX_PAGE_SIZE;
use roster::domain::{validate, Page, PageRequest};
use roster_fuzz::assert_invalid;

fuzz_target!(|data: &[u8]| {
    let (size, token) = data.split_at(data.len().min(4));
    let mut le = [0u8; 4];
    le[..size.len()].copy_from_slice(size);
    let page_size = i32::from_le_bytes(le);
    let token = String::from_utf8_lossy(token);

    let parsed = PageRequest::parse(page_size, &token);
    if page_size < 0 {
        return assert_invalid(parsed, "page_size");
    }
    let expected_limit = match page_size {
        0 => MAX_PAGE_SIZE,
        n => (n as usize).min(MAX_PAGE_SIZE),
    };
    let page = match parsed {
        Err(e) => {
            assert!(!token.is_empty(), "the first page is refused: {e:?}");
            return assert_invalid::<()>(Err(e), "page_token");
        }
        Ok(page) => page,
    };
    assert!(
        (1..=MAX_PAGE_SIZE).contains(&page.limit),
        "limit {}",
        page.limit
    );
    assert_eq!(page.limit, expected_limit);
    if token.is_empty() {
        assert!(page.after.is_empty());
    } else {
        let after = &page.after;
        assert!(!after.is_empty() && after.len() <= 256, "cursor {after:?}");
        assert!(
            after.bytes().all(|b| b.is_ascii_graphic() && b != b'/'),
            "cursor {after:?}"
        );
        let reissued = round_trip(after, page.limit);
        assert_eq!(reissued, *token, "an accepted token is not canonical");
    }

    // The token text as a cursor: ids and key names are what lists page by.
    if validate::id("id", &token).is_ok() || validate::key_name("name", &token).is_ok() {
        round_trip(&token, page.limit);
    }

    // The token text as an `id_prefix`: refused naming it unless it is an
    // id; else the cursor moves to before the prefix (never back), where
    // the prefix itself and the ids that extend it sort after it.
    let cursor = page.after.clone();
    match page.with_prefix(&token) {
        Err(e) => {
            assert!(
                validate::id("id", &token).is_err(),
                "{token:?} refused: {e:?}"
            );
            assert_invalid::<()>(Err(e), "id_prefix");
        }
        Ok(prefixed) if token.is_empty() => assert_eq!(prefixed.after, cursor),
        Ok(prefixed) => {
            assert!(prefixed.after >= cursor, "the cursor moved back");
            if cursor.as_str() < token.as_ref() {
                for id in [token.to_string(), format!("{token}0"), format!("{token}~")] {
                    assert!(
                        *id > *prefixed.after,
                        "{id:?} not after {:?}",
                        prefixed.after
                    );
                }
            }
            assert_eq!(prefixed.prefix, *token);
        }
    }
});

/// Builds pages that end at `id` with and without a following item; checks
/// them; answers the token of the page that has a successor.
fn round_trip(id: &str, limit: usize) -> String {
    // Keep the lists short: the limit only matters relative to the length.
    let limit = limit.min(4);
    let items = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                if i + 1 == limit {
                    id.to_owned()
                } else {
                    format!("item{i}")
                }
            })
            .collect()
    };
    let request = PageRequest::parse(limit as i32, "").expect("a valid size");
    let last = Page::from_overfetch(items(limit), &request, |s: &String| s.as_str());
    assert_eq!(last.items.len(), limit);
    assert!(
        last.next_token.is_empty(),
        "a full last page has a next token"
    );

    let page = Page::from_overfetch(items(limit + 1), &request, |s: &String| s.as_str());
    assert_eq!(page.items.len(), limit);
    assert_eq!(page.items.last().map(String::as_str), Some(id));
    assert!(!page.next_token.is_empty());
    let next = PageRequest::parse(limit as i32, &page.next_token)
        .unwrap_or_else(|e| panic!("roster refuses its own token for {id:?}: {e:?}"));
    assert_eq!(next.after, id);
    assert_eq!(next.limit, limit);
    page.next_token
}
