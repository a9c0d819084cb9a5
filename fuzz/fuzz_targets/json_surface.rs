//! The JSON surface's hand-written parts on arbitrary bytes, for every route
//! of the proto (the first byte picks one): the printer of answers straight
//! from the wire format (`gateway::render::Plan`) and the decoder of JSON
//! requests (`gateway::json::request`).
//!
//! Invariants:
//! - nothing panics;
//! - where the printer answers, its output is JSON and equals what
//!   prost-reflect (`gateway::json::response`) makes of the same bytes: a
//!   differential check against a maintained implementation;
//! - where the request decoder answers, its bytes decode as the route's
//!   request message.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prost_reflect::DynamicMessage;
use roster::gateway::{json, Routes};

fn routes() -> &'static Vec<roster::gateway::Route> {
    static ROUTES: OnceLock<Vec<roster::gateway::Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let routes =
            Routes::from_descriptors(roster::pb::FILE_DESCRIPTOR_SET, "roster.v1.UserService")
                .expect("the proto's routes");
        routes.iter().map(|(_, r)| r.clone()).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let routes = routes();
    let route = &routes[usize::from(pick) % routes.len()];

    if let Some(plan) = &route.plan {
        if let Some(printed) = plan.render(bytes) {
            let printed: serde_json::Value =
                serde_json::from_str(&printed).expect("the printer writes JSON");
            let reference = json::response(&route.output, bytes)
                .expect("bytes the printer accepts are a message to prost-reflect");
            assert_eq!(
                printed, reference,
                "{}: the two printings differ",
                route.method
            );
        }
    }

    if let Ok(encoded) = json::request(&route.input, bytes) {
        DynamicMessage::decode(route.input.clone(), encoded.as_slice())
            .expect("the decoder writes a request message");
    }
});
