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

/// Checks `value` against `schema` (the subset of JSON Schema the document uses: `$ref`,
/// `type`, `nullable`, `enum`, hex `pattern`s, `minimum`/`maximum`, `properties`, `required`,
/// `additionalProperties: false`, `items`); the first disagreement, with its place.
fn check(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    at: &str,
) -> Result<(), String> {
    use serde_json::Value;
    if let Some(r) = schema["$ref"].as_str() {
        let name = r
            .strip_prefix("#/components/schemas/")
            .ok_or(format!("{at}: ref {r}"))?;
        return check(doc, &doc["components"]["schemas"][name], value, at);
    }
    if value.is_null() {
        return if schema["nullable"] == true {
            Ok(())
        } else {
            Err(format!("{at}: null where {schema} is required"))
        };
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    match (schema["type"].as_str(), value) {
        (Some("object"), Value::Object(fields)) => {
            let props = schema["properties"]
                .as_object()
                .ok_or(format!("{at}: no properties"))?;
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                if !fields.contains_key(name) {
                    return Err(format!("{at}: `{name}` is missing"));
                }
            }
            for (name, v) in fields {
                match props.get(name) {
                    Some(s) => check(doc, s, v, &format!("{at}.{name}"))?,
                    None if schema["additionalProperties"] == false => {
                        return Err(format!("{at}: `{name}` is not in the schema"))
                    }
                    None => {}
                }
            }
            Ok(())
        }
        (Some("array"), Value::Array(items)) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check(doc, &schema["items"], v, &format!("{at}[{i}]"))),
        (Some("string"), Value::String(s)) => match schema["pattern"].as_str() {
            None => Ok(()),
            Some(p) if p.starts_with("^[0-9a-f]") => {
                let hex = !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                let len_ok = !p.contains("{64}") || s.len() == 64;
                if hex && len_ok {
                    Ok(())
                } else {
                    Err(format!("{at}: `{s}` does not match {p}"))
                }
            }
            Some(p) => Err(format!("{at}: pattern {p} is not checked here")),
        },
        (Some("integer"), Value::Number(n)) => {
            let n = n.as_i64().ok_or(format!("{at}: {n} is not an integer"))?;
            let in_range = schema["minimum"].as_i64().is_none_or(|m| n >= m)
                && schema["maximum"].as_i64().is_none_or(|m| n <= m);
            if in_range {
                Ok(())
            } else {
                Err(format!("{at}: {n} is out of range"))
            }
        }
        (Some("boolean"), Value::Bool(_)) => Ok(()),
        (t, v) => Err(format!("{at}: {v} is not of type {t:?}")),
    }
}

/// A value of each JSON body type of `venuecode_protocol::api`, as the server and clients
/// serialize it, by the name the document gives its schema.
fn samples() -> Vec<(&'static str, serde_json::Value)> {
    use venuecode_protocol::api::*;
    let v = |x: serde_json::Result<serde_json::Value>| x.unwrap();
    let key = "ab".repeat(32);
    let venue_rows = vec![VenueStatsRow {
        region: 620_105,
        category: "restaurant".into(),
        active: 3,
        revoked: 1,
    }];
    vec![
        (
            "AuthorityInfo",
            v(serde_json::to_value(AuthorityInfo {
                ra_public_key: key.clone(),
                ra_key_id: "0123456789abcdef".into(),
                ha_signing_keys: vec![key.clone()],
                ha_encryption_key: None,
                counts_enabled: true,
                retention_days: Some(14),
            })),
        ),
        (
            "RegistrationHeld",
            v(serde_json::to_value(RegistrationHeld {
                pending: 7,
                status: "/v1/registrations/7".into(),
            })),
        ),
        (
            "RegistrationWaiting",
            v(serde_json::to_value(RegistrationWaiting {
                pending: 7,
                state: PendingState::Waiting,
            })),
        ),
        (
            "PendingRegistrations",
            v(serde_json::to_value(PendingRegistrations {
                registrations: vec![PendingRegistration {
                    id: 7,
                    received_at: 1_800_000_000,
                    name: "兰州牛肉面".into(),
                    address: "安宁区1号".into(),
                    region: 620_105,
                    category: "restaurant".into(),
                    default_stay_minutes: 60,
                    utc_offset: -20,
                    venue_key: key.clone(),
                }],
            })),
        ),
        (
            "RegistrationRefused",
            v(serde_json::to_value(RegistrationRefused { refused: 8 })),
        ),
        (
            "RevocationAdded",
            v(serde_json::to_value(RevocationAdded { sequence: 2 })),
        ),
        (
            "VenueSearch",
            v(serde_json::to_value(VenueSearch {
                venues: vec![VenueMatch {
                    serial: 42,
                    key_id: "0123456789abcdef".into(),
                    name: "Golden Dragon".into(),
                    address: "1 Example Road".into(),
                    region: 620_105,
                    category: "restaurant".into(),
                    revoked: false,
                }],
                next: Some(1000),
            })),
        ),
        (
            "BatchStored",
            v(serde_json::to_value(BatchStored {
                sequence: 1,
                records: 12,
            })),
        ),
        (
            "BatchListing",
            v(serde_json::to_value(BatchListing {
                batches: vec![BatchInfo {
                    sequence: 1,
                    size: 400,
                    records: 12,
                    etag: format!("\"{key}\""),
                }],
                latest: 1,
            })),
        ),
        (
            "CheckpointStored",
            v(serde_json::to_value(CheckpointStored {
                sequence: 1,
                issued_at: venuecode_protocol::time::UnixMinute::new(29_000_000),
            })),
        ),
        (
            "TanRegistration",
            v(serde_json::to_value(TanRegistration {
                tans: vec![TanEntry {
                    hash: key.clone(),
                    expires_at: 1_800_000_000,
                    purpose: "case".into(),
                }],
            })),
        ),
        (
            "Registered",
            v(serde_json::to_value(Registered { registered: 5 })),
        ),
        (
            "TanStatus",
            v(serde_json::to_value(TanStatus {
                purpose: "guestbook".into(),
                registered_at: 1_800_000_000,
                expires_at: 1_800_086_400,
                used: false,
                cancelled: true,
            })),
        ),
        (
            "UploadStored",
            v(serde_json::to_value(UploadStored { id: 3 })),
        ),
        (
            "UploadListing",
            v(serde_json::to_value(UploadListing {
                uploads: vec![UploadInfo {
                    id: 3,
                    purpose: "seeds".into(),
                    received_at: 1_800_000_000,
                    size: 900,
                }],
            })),
        ),
        (
            "CountAccepted",
            v(serde_json::to_value(CountAccepted { accepted: 1 })),
        ),
        (
            "CountListing",
            v(serde_json::to_value(CountListing {
                counts: vec![CountRow {
                    epoch: venuecode_protocol::time::Epoch::new(20_000),
                    count: 4,
                }],
            })),
        ),
        (
            "VenueStats",
            v(serde_json::to_value(VenueStats {
                by_region: venue_rows,
                next: Some("620105-9".into()),
            })),
        ),
        (
            "ExposureStats",
            v(serde_json::to_value(ExposureStats {
                by_day: vec![ExposureStatsRow {
                    day: venuecode_protocol::time::Epoch::new(20_000),
                    batches: 1,
                    records: 12,
                }],
                next: None,
            })),
        ),
        (
            "CountStats",
            v(serde_json::to_value(CountStats {
                rows: vec![CountStatsRow {
                    region: 620_105,
                    category: "restaurant".into(),
                    epoch: venuecode_protocol::time::Epoch::new(20_000),
                    count: 4,
                }],
                next: None,
            })),
        ),
        (
            "Error",
            v(serde_json::to_value(ErrorBody {
                error: ErrorCode::TanUsed,
                message: "used".into(),
            })),
        ),
    ]
}

#[test]
fn every_json_body_is_checked_against_its_api_type_and_every_binary_body_names_its_spec_section() {
    let doc = venuecode_server::openapi::document();
    let samples = samples();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // Each schema accepts its type's values, and there is a value for each schema.
    for (name, value) in &samples {
        let schema = schemas
            .get(*name)
            .unwrap_or_else(|| panic!("no schema {name}"));
        check(&doc, schema, value, name).unwrap();
    }
    let sampled: BTreeSet<&str> = samples.iter().map(|(n, _)| *n).collect();
    let documented: BTreeSet<&str> = schemas.keys().map(String::as_str).collect();
    assert_eq!(sampled, documented);
    // The check can fail: a field the type does not have, one it has left out, a wrong type.
    let (_, search) = samples.iter().find(|(n, _)| *n == "VenueSearch").unwrap();
    let mut extra = search.clone();
    extra["venues"][0]["owner"] = "x".into();
    let mut missing = search.clone();
    missing["venues"][0]
        .as_object_mut()
        .unwrap()
        .remove("key_id");
    let mut wrong = search.clone();
    wrong["next"] = "1000".into();
    for bad in [extra, missing, wrong] {
        assert!(
            check(&doc, &schemas["VenueSearch"], &bad, "VenueSearch").is_err(),
            "{bad}"
        );
    }

    // Every body of every operation: JSON names a checked schema, binary its SPEC section.
    let mut bodies = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        // The document itself: what this test reads.
        if path == "/v1/openapi.json" {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let mut contents: Vec<(String, &serde_json::Value)> = Vec::new();
            if let Some(req) = op.get("requestBody") {
                contents.push(("request".into(), req));
            }
            for (status, resp) in op["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    contents.push((status.clone(), resp));
                }
            }
            for (which, body) in contents {
                let Some(content) = body["content"].as_object() else {
                    continue;
                };
                for (media, m) in content {
                    let at = format!("{method} {path} {which} {media}");
                    match media.as_str() {
                        "application/json" => {
                            let r = m["schema"]["$ref"]
                                .as_str()
                                .unwrap_or_else(|| panic!("{at}: no schema"));
                            let name = r.trim_start_matches("#/components/schemas/");
                            assert!(sampled.contains(name), "{at}: {name} is not checked");
                            bodies += 1;
                        }
                        "application/octet-stream" => {
                            assert!(
                                body["description"].as_str().unwrap().contains("SPEC.md §"),
                                "{at}"
                            );
                            assert_eq!(m["schema"]["format"], "binary", "{at}");
                            bodies += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    assert!(bodies >= 39, "only {bodies} bodies documented");
}
