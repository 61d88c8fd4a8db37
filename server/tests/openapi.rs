//! The OpenAPI document lists exactly the routes of API.md, and every one of them is routed.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use std::collections::BTreeSet;

use common::Harness;

/// `(method, path)` pairs from the route table of protocol-spec/API.md.
fn api_md_routes() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../protocol-spec/API.md");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|line| {
            let cell = line.strip_prefix("| `")?;
            let (route, _) = cell.split_once('`')?;
            let (method, path) = route.split_once(' ')?;
            if !["GET", "POST", "PUT", "DELETE"].contains(&method) {
                return None;
            }
            let path = path.split('?').next()?;
            Some((method.to_ascii_lowercase(), path.to_owned()))
        })
        .collect()
}

fn openapi_routes(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn openapi_matches_api_md_and_the_router() {
    let h = Harness::start();
    let r = h.get("/v1/openapi.json");
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let documented = openapi_routes(&doc);
    let specified = api_md_routes();
    assert!(
        specified.len() >= 20,
        "API.md table not found: {specified:?}"
    );
    assert_eq!(documented, specified);

    // Each documented operation reaches a handler: not the fallback, not 405.
    for (method, path) in &documented {
        let concrete = path
            .replace("{serial}", "1")
            .replace("{sequence}", "1")
            .replace("{id}", "1");
        let r = h.request(&method.to_ascii_uppercase(), &concrete, &[], b"");
        assert_ne!(r.status, 405, "{method} {path}");
        if r.status == 404 {
            let j = r.json();
            assert_ne!(
                j["message"], "no such route",
                "{method} {path} is not routed"
            );
        }
    }
    // And the fallback is what an unknown route gets, so the check above means something.
    let r = h.get("/v1/unknown");
    assert_eq!(r.json()["message"], "no such route");
    let r = h.request("PATCH", "/v1/venues", &[], b"");
    assert_eq!((r.status, r.code().as_str()), (405, "method_not_allowed"));
}
