//! The OpenAPI 3 document served at `/v1/openapi.json`. A test checks that its operations are
//! exactly the routes of API.md and that each one is routed, and that each JSON body's schema
//! (`components.schemas`, named after the `venuecode_protocol::api` type the body is) accepts
//! that type's serialized values and nothing with other fields; binary bodies are protocol
//! artefacts, documented by their SPEC.md section.

use serde_json::{json, Map, Value};

/// One documented operation.
struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    /// `venue`, `ha`, `admin`, `tan` or empty for public routes.
    auth: &'static str,
    /// Request body media type, if any.
    request: Option<&'static str>,
    /// Success status and media type.
    ok: (u16, &'static str),
    /// Documented error statuses.
    errors: &'static [u16],
}

/// What a request or success body holds.
#[derive(Clone, Copy)]
enum Body {
    /// JSON of the `venuecode_protocol::api` type of this name (its schema in `components`).
    Json(&'static str),
    /// A protocol artefact in its canonical binary encoding: where SPEC.md defines it.
    Bin(&'static str),
}

/// The bodies of the routes that have one: `(method, path, None for the request or the
/// success status, body)`.
const BODIES: &[(&str, &str, Option<u16>, Body)] = &[
    (
        "get",
        "/v1/authority",
        Some(200),
        Body::Json("AuthorityInfo"),
    ),
    ("post", "/v1/venues", None, Body::Bin(REGISTRATION)),
    ("post", "/v1/venues", Some(201), Body::Bin(CERTIFICATE)),
    (
        "post",
        "/v1/venues",
        Some(202),
        Body::Json("RegistrationHeld"),
    ),
    (
        "get",
        "/v1/registrations/{id}",
        Some(200),
        Body::Bin(CERTIFICATE),
    ),
    (
        "get",
        "/v1/registrations/{id}",
        Some(202),
        Body::Json("RegistrationWaiting"),
    ),
    (
        "get",
        "/v1/admin/registrations",
        Some(200),
        Body::Json("PendingRegistrations"),
    ),
    (
        "post",
        "/v1/admin/registrations/{id}/approve",
        Some(201),
        Body::Bin(CERTIFICATE),
    ),
    (
        "post",
        "/v1/admin/registrations/{id}/refuse",
        Some(200),
        Body::Json("RegistrationRefused"),
    ),
    (
        "get",
        "/v1/venues/{serial}",
        Some(200),
        Body::Bin(CERTIFICATE),
    ),
    ("put", "/v1/venues/{serial}", None, Body::Bin(REGISTRATION)),
    (
        "put",
        "/v1/venues/{serial}",
        Some(201),
        Body::Bin(CERTIFICATE),
    ),
    (
        "post",
        "/v1/venues/{serial}/revoke",
        Some(200),
        Body::Json("RevocationAdded"),
    ),
    (
        "get",
        "/v1/admin/venues",
        Some(200),
        Body::Json("VenueSearch"),
    ),
    (
        "post",
        "/v1/admin/venues/{serial}/disable",
        Some(200),
        Body::Json("RevocationAdded"),
    ),
    (
        "get",
        "/v1/revocations",
        Some(200),
        Body::Bin("RevocationList, SPEC.md §13"),
    ),
    ("post", "/v1/batches", None, Body::Bin(BATCH)),
    ("post", "/v1/batches", Some(201), Body::Json("BatchStored")),
    ("get", "/v1/batches", Some(200), Body::Json("BatchListing")),
    ("get", "/v1/batches/{sequence}", Some(200), Body::Bin(BATCH)),
    ("post", "/v1/checkpoints", None, Body::Bin(CHECKPOINT)),
    (
        "post",
        "/v1/checkpoints",
        Some(201),
        Body::Json("CheckpointStored"),
    ),
    ("get", "/v1/checkpoint", Some(200), Body::Bin(CHECKPOINT)),
    (
        "get",
        "/v1/trust-bundle",
        Some(200),
        Body::Bin("TrustBundle, SPEC.md §4.5"),
    ),
    ("post", "/v1/tans", None, Body::Json("TanRegistration")),
    ("post", "/v1/tans", Some(201), Body::Json("Registered")),
    ("get", "/v1/tans/{hash}", Some(200), Body::Json("TanStatus")),
    ("post", "/v1/uploads", None, Body::Bin(UPLOAD)),
    ("post", "/v1/uploads", Some(201), Body::Json("UploadStored")),
    ("get", "/v1/uploads", Some(200), Body::Json("UploadListing")),
    ("get", "/v1/uploads/{id}", Some(200), Body::Bin(UPLOAD)),
    (
        "post",
        "/v1/counts",
        None,
        Body::Bin("CountPing, SPEC.md §17"),
    ),
    ("post", "/v1/counts", Some(202), Body::Json("CountAccepted")),
    ("get", "/v1/counts", Some(200), Body::Json("CountListing")),
    (
        "post",
        "/v1/venues/{serial}/count-tags",
        None,
        Body::Bin("CountTagRegistration, SPEC.md §17"),
    ),
    (
        "post",
        "/v1/venues/{serial}/count-tags",
        Some(201),
        Body::Json("Registered"),
    ),
    (
        "get",
        "/v1/stats/venues",
        Some(200),
        Body::Json("VenueStats"),
    ),
    (
        "get",
        "/v1/stats/exposures",
        Some(200),
        Body::Json("ExposureStats"),
    ),
    (
        "get",
        "/v1/stats/counts",
        Some(200),
        Body::Json("CountStats"),
    ),
];

const CERTIFICATE: &str = "VenueCertificate, SPEC.md §7";
const REGISTRATION: &str = "RegistrationRequest, SPEC.md §8";
const BATCH: &str = "ExposureBatch, SPEC.md §12.2";
const CHECKPOINT: &str = "Checkpoint, SPEC.md §12.6";
const UPLOAD: &str =
    "SealedMessage (SPEC.md §14.3; purpose case: a sealed Upload, §15.1; seeds: a \
                      sealed SeedRelease, §15.4) or SealedBundle (purpose guestbook, §15.5)";

const BIN: &str = "application/octet-stream";
const JSON: &str = "application/json";
const SIGNED: &[u16] = &[400, 401, 408, 413, 503];

const OPERATIONS: &[Operation] = &[
    Operation {
        method: "get",
        path: "/healthz",
        summary: "Liveness",
        auth: "",
        request: None,
        ok: (200, "text/plain"),
        errors: &[],
    },
    Operation {
        method: "get",
        path: "/v1/openapi.json",
        summary: "This document",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[],
    },
    Operation {
        method: "get",
        path: "/v1/authority",
        summary: "The server's RA and HA public keys",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[],
    },
    Operation {
        method: "post",
        path: "/v1/venues",
        summary: "Register a venue (RegistrationRequest)",
        auth: "venue",
        request: Some(BIN),
        ok: (201, BIN),
        errors: &[400, 401, 403, 408, 409, 413, 429, 503],
    },
    Operation {
        method: "get",
        path: "/v1/registrations/{id}",
        summary: "A registration held for review: waiting (202), its certificate, or refused",
        auth: "",
        request: None,
        ok: (200, BIN),
        errors: &[400, 403, 404],
    },
    Operation {
        method: "get",
        path: "/v1/admin/registrations",
        summary: "Registrations waiting for review",
        auth: "admin",
        request: None,
        ok: (200, JSON),
        errors: &[400, 401, 413],
    },
    Operation {
        method: "post",
        path: "/v1/admin/registrations/{id}/approve",
        summary: "The RA approves a registration (certificate issued)",
        auth: "admin",
        request: None,
        ok: (201, BIN),
        errors: &[400, 401, 403, 404, 409, 413],
    },
    Operation {
        method: "post",
        path: "/v1/admin/registrations/{id}/refuse",
        summary: "The RA refuses a registration",
        auth: "admin",
        request: None,
        ok: (200, JSON),
        errors: &[400, 401, 404, 409, 413],
    },
    Operation {
        method: "get",
        path: "/v1/venues/{serial}",
        summary: "Latest certificate for a serial",
        auth: "",
        request: None,
        ok: (200, BIN),
        errors: &[400, 404],
    },
    Operation {
        method: "put",
        path: "/v1/venues/{serial}",
        summary: "Update a venue's information (new certificate)",
        auth: "venue",
        request: Some(BIN),
        ok: (201, BIN),
        errors: &[400, 401, 403, 404, 408, 409, 413, 503],
    },
    Operation {
        method: "post",
        path: "/v1/venues/{serial}/revoke",
        summary: "A venue revokes its own certificate",
        auth: "venue",
        request: None,
        ok: (200, JSON),
        errors: &[400, 401, 404, 409, 413],
    },
    Operation {
        method: "get",
        path: "/v1/admin/venues",
        summary: "The RA searches current certificates by name, one bounded page at a time",
        auth: "admin",
        request: None,
        ok: (200, JSON),
        errors: &[400, 401, 413],
    },
    Operation {
        method: "post",
        path: "/v1/admin/venues/{serial}/disable",
        summary: "The RA disables a certificate",
        auth: "admin",
        request: None,
        ok: (200, JSON),
        errors: &[400, 401, 404, 409, 413],
    },
    Operation {
        method: "get",
        path: "/v1/revocations",
        summary: "RA-signed revocation list after a cursor, at most 10 000 entries a page",
        auth: "",
        request: None,
        ok: (200, BIN),
        errors: &[400],
    },
    Operation {
        method: "post",
        path: "/v1/batches",
        summary: "Post an HA-signed exposure batch extending the stored chain",
        auth: "ha",
        request: Some(BIN),
        ok: (201, JSON),
        errors: &[400, 401, 408, 409, 413, 503],
    },
    Operation {
        method: "get",
        path: "/v1/batches",
        summary: "Batches after a cursor (the HA's sequence)",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[400],
    },
    Operation {
        method: "get",
        path: "/v1/batches/{sequence}",
        summary: "One immutable batch by HA sequence (ETag, 304)",
        auth: "",
        request: None,
        ok: (200, BIN),
        errors: &[304, 400, 404],
    },
    Operation {
        method: "post",
        path: "/v1/checkpoints",
        summary: "Post an HA-signed checkpoint of the batch chain",
        auth: "ha",
        request: Some(BIN),
        ok: (201, JSON),
        errors: &[400, 401, 408, 409, 413, 503],
    },
    Operation {
        method: "get",
        path: "/v1/checkpoint",
        summary: "The newest checkpoint (cacheable for a minute)",
        auth: "",
        request: None,
        ok: (200, BIN),
        errors: &[404],
    },
    Operation {
        method: "get",
        path: "/v1/trust-bundle",
        summary: "The signed trust bundle, for clients to update theirs",
        auth: "",
        request: None,
        ok: (200, BIN),
        errors: &[404],
    },
    Operation {
        method: "post",
        path: "/v1/tans",
        summary: "Register TAN hashes",
        auth: "ha",
        request: Some(JSON),
        ok: (201, JSON),
        errors: SIGNED,
    },
    Operation {
        method: "get",
        path: "/v1/tans/{hash}",
        summary: "The server's view of one registered TAN (purpose, expiry, used, cancelled)",
        auth: "ha",
        request: None,
        ok: (200, JSON),
        errors: &[400, 401, 404],
    },
    Operation {
        method: "delete",
        path: "/v1/tans/{hash}",
        summary: "Cancel an unused TAN, so that no upload can use it",
        auth: "ha",
        request: None,
        ok: (204, ""),
        errors: &[400, 401, 404, 409, 410],
    },
    Operation {
        method: "post",
        path: "/v1/uploads",
        summary: "Upload with a one-time TAN",
        auth: "tan",
        request: Some(BIN),
        ok: (201, JSON),
        errors: &[400, 403, 408, 409, 410, 413, 429, 503],
    },
    Operation {
        method: "get",
        path: "/v1/uploads",
        summary: "List uploads",
        auth: "ha",
        request: None,
        ok: (200, JSON),
        errors: &[401],
    },
    Operation {
        method: "get",
        path: "/v1/uploads/{id}",
        summary: "Fetch an upload",
        auth: "ha",
        request: None,
        ok: (200, BIN),
        errors: &[400, 401, 404],
    },
    Operation {
        method: "delete",
        path: "/v1/uploads/{id}",
        summary: "Delete an upload",
        auth: "ha",
        request: None,
        ok: (204, ""),
        errors: &[400, 401, 404],
    },
    Operation {
        method: "post",
        path: "/v1/counts",
        summary: "Post one count ping (counted only for a tag its venue key registered)",
        auth: "",
        request: Some(BIN),
        ok: (202, JSON),
        errors: &[400, 404, 413, 429, 503],
    },
    Operation {
        method: "get",
        path: "/v1/counts",
        summary: "Counts of a venue key's tag per receiving day",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[400, 404],
    },
    Operation {
        method: "post",
        path: "/v1/venues/{serial}/count-tags",
        summary: "Register count tags under the venue key (CountTagRegistration)",
        auth: "venue",
        request: Some(BIN),
        ok: (201, JSON),
        errors: &[400, 401, 404, 413],
    },
    Operation {
        method: "get",
        path: "/v1/stats/venues",
        summary: "Venues by region and category, one page (`after`, `limit`; `next`)",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[400],
    },
    Operation {
        method: "get",
        path: "/v1/stats/exposures",
        summary: "Exposure batches and records per day, one page (`after`, `limit`; `next`)",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[400],
    },
    Operation {
        method: "get",
        path: "/v1/stats/counts",
        summary: "Counts by region, category and epoch, one page (`after`, `limit`; `next`)",
        auth: "",
        request: None,
        ok: (200, JSON),
        errors: &[400],
    },
];

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": "stable code, see API.md",
                "enum": venuecode_protocol::api::ErrorCode::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
            },
            "message": { "type": "string" }
        }
    })
}

fn operation(op: &Operation) -> Value {
    let mut o = Map::new();
    o.insert("summary".into(), json!(op.summary));
    o.insert(
        "operationId".into(),
        json!(format!("{} {}", op.method, op.path)),
    );
    let params: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            if name == "hash" {
                json!({ "name": name, "in": "path", "required": true,
                        "description": "hex of SHA-256(\"venuecode/v2/tan\" || 0x00 || TAN)",
                        "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } })
            } else {
                json!({ "name": name, "in": "path", "required": true,
                        "schema": { "type": "integer", "format": "int64", "minimum": 0 } })
            }
        })
        .chain(if op.path.starts_with("/v1/stats/") {
            // Statistics are paged: `next` of one answer is `after` of the next query.
            vec![
                json!({ "name": "after", "in": "query", "required": false,
                        "description": "the `next` cursor of the previous page",
                        "schema": { "type": "string", "pattern": "^[0-9]+(-[0-9]+){0,2}$" } }),
                json!({ "name": "limit", "in": "query", "required": false,
                        "description": "rows in the page (default 500)",
                        "schema": { "type": "integer", "minimum": 1,
                                    "maximum": crate::api::MAX_STATS_PAGE } }),
            ]
        } else if op.path == "/v1/admin/venues" {
            vec![
                json!({ "name": "name", "in": "query", "required": true,
                        "description": "text the venue name holds (NFC, compared without case)",
                        "schema": { "type": "string", "minLength": 1,
                                    "maxLength": venuecode_protocol::venue::MAX_NAME_BYTES } }),
                json!({ "name": "after", "in": "query", "required": false,
                        "description": "the `next` serial of the previous page",
                        "schema": { "type": "integer", "format": "int64", "minimum": 0 } }),
            ]
        } else {
            vec![]
        })
        .chain(match op.auth {
            "tan" => vec![json!({ "name": "Venuecode-Tan-Hash", "in": "header", "required": true,
                                  "description": "hex of SHA-256(\"venuecode/v2/tan\" || 0x00 || TAN); the TAN itself travels only inside the sealed upload",
                                  "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } })],
            _ => vec![],
        })
        .collect();
    if !params.is_empty() {
        o.insert("parameters".into(), json!(params));
    }
    if matches!(op.auth, "venue" | "ha" | "admin") {
        o.insert("security".into(), json!([{ op.auth: [] }]));
    }
    let body_of = |status: Option<u16>| {
        BODIES
            .iter()
            .find(|(m, p, s, _)| *m == op.method && *p == op.path && *s == status)
            .map(|(_, _, _, b)| *b)
    };
    if let Some(media) = op.request {
        let (description, content) = content(media, body_of(None));
        o.insert(
            "requestBody".into(),
            json!({ "required": true, "description": description, "content": content }),
        );
    }
    let mut responses = Map::new();
    let ok = if op.ok.1.is_empty() {
        json!({ "description": "success" })
    } else {
        let (description, content) = content(op.ok.1, body_of(Some(op.ok.0)));
        json!({ "description": description, "content": content })
    };
    responses.insert(op.ok.0.to_string(), ok);
    // A second success answer of the route (202 while a registration is held for review).
    for (_, _, status, body) in BODIES
        .iter()
        .filter(|(m, p, s, _)| *m == op.method && *p == op.path && s.is_some_and(|s| s != op.ok.0))
    {
        let media = match body {
            Body::Json(_) => JSON,
            Body::Bin(_) => BIN,
        };
        let (description, content) = content(media, Some(*body));
        if let Some(status) = status {
            responses.insert(
                status.to_string(),
                json!({ "description": description, "content": content }),
            );
        }
    }
    for status in op.errors {
        let r = if *status == 304 {
            json!({ "description": "not modified" })
        } else {
            json!({ "description": "error",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
        };
        responses.insert(status.to_string(), r);
    }
    o.insert("responses".into(), Value::Object(responses));
    Value::Object(o)
}

/// The description and `content` of a body of media type `media`.
fn content(media: &str, body: Option<Body>) -> (String, Value) {
    match body {
        Some(Body::Json(name)) => (
            format!("JSON `{name}` (venuecode_protocol::api)"),
            json!({ media: { "schema": { "$ref": format!("#/components/schemas/{name}") } } }),
        ),
        Some(Body::Bin(what)) => (
            format!("canonical binary encoding: {what}"),
            json!({ media: { "schema": { "type": "string", "format": "binary" } } }),
        ),
        None => ("success".to_owned(), json!({ media: {} })),
    }
}

fn uint() -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": 0 })
}

fn text() -> Value {
    json!({ "type": "string" })
}

fn hex_text() -> Value {
    json!({ "type": "string", "pattern": "^[0-9a-f]+$" })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn list(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn nullable(mut schema: Value) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert("nullable".into(), Value::Bool(true));
    }
    schema
}

fn purpose() -> Value {
    json!({ "type": "string", "enum": ["case", "guestbook", "seeds"] })
}

/// An object with exactly these fields, all present (an absent value is `null`).
fn object(fields: &[(&str, Value)]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let required: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    json!({ "type": "object", "additionalProperties": false,
            "required": required, "properties": properties })
}

/// The schemas of the JSON bodies, by the name of their `venuecode_protocol::api` type.
fn schemas() -> Map<String, Value> {
    let registered = object(&[("registered", uint())]);
    let revocation_added = object(&[("sequence", uint())]);
    let page = |rows: &str, row: Value| object(&[(rows, list(row)), ("next", nullable(text()))]);
    let mut m = Map::new();
    for (name, schema) in [
        (
            "AuthorityInfo",
            object(&[
                ("ra_public_key", hex_text()),
                ("ra_key_id", hex_text()),
                ("ha_signing_keys", list(hex_text())),
                ("ha_encryption_key", nullable(hex_text())),
                ("counts_enabled", boolean()),
                ("retention_days", uint()),
            ]),
        ),
        (
            "RegistrationHeld",
            object(&[("pending", uint()), ("status", text())]),
        ),
        (
            "RegistrationWaiting",
            object(&[
                ("pending", uint()),
                ("state", json!({ "type": "string", "enum": ["waiting"] })),
            ]),
        ),
        (
            "PendingRegistrations",
            object(&[(
                "registrations",
                list(object(&[
                    ("id", uint()),
                    ("received_at", uint()),
                    ("name", text()),
                    ("address", text()),
                    ("region", uint()),
                    ("category", text()),
                    ("default_stay_minutes", uint()),
                    (
                        "utc_offset",
                        json!({ "type": "integer", "minimum": -128, "maximum": 127 }),
                    ),
                    ("venue_key", hex_text()),
                ])),
            )]),
        ),
        ("RegistrationRefused", object(&[("refused", uint())])),
        ("RevocationAdded", revocation_added),
        (
            "VenueSearch",
            object(&[
                (
                    "venues",
                    list(object(&[
                        ("serial", uint()),
                        ("key_id", hex_text()),
                        ("name", text()),
                        ("address", text()),
                        ("region", uint()),
                        ("category", text()),
                        ("revoked", boolean()),
                    ])),
                ),
                ("next", nullable(uint())),
            ]),
        ),
        (
            "BatchStored",
            object(&[("sequence", uint()), ("records", uint())]),
        ),
        (
            "BatchListing",
            object(&[
                (
                    "batches",
                    list(object(&[
                        ("sequence", uint()),
                        ("size", uint()),
                        ("records", uint()),
                        ("etag", text()),
                    ])),
                ),
                ("latest", uint()),
            ]),
        ),
        (
            "CheckpointStored",
            object(&[("sequence", uint()), ("issued_at", uint())]),
        ),
        (
            "TanRegistration",
            object(&[(
                "tans",
                list(object(&[
                    (
                        "hash",
                        json!({ "type": "string", "pattern": "^[0-9a-f]{64}$" }),
                    ),
                    ("expires_at", uint()),
                    ("purpose", purpose()),
                ])),
            )]),
        ),
        ("Registered", registered),
        (
            "TanStatus",
            object(&[
                ("purpose", purpose()),
                ("registered_at", uint()),
                ("expires_at", uint()),
                ("used", boolean()),
                ("cancelled", boolean()),
            ]),
        ),
        ("UploadStored", object(&[("id", uint())])),
        (
            "UploadListing",
            object(&[(
                "uploads",
                list(object(&[
                    ("id", uint()),
                    ("purpose", purpose()),
                    ("received_at", uint()),
                    ("size", uint()),
                ])),
            )]),
        ),
        (
            "CountAccepted",
            object(&[(
                "accepted",
                json!({ "type": "integer", "minimum": 0, "maximum": 1 }),
            )]),
        ),
        (
            "CountListing",
            object(&[(
                "counts",
                list(object(&[("epoch", uint()), ("count", uint())])),
            )]),
        ),
        (
            "VenueStats",
            page(
                "by_region",
                object(&[
                    ("region", uint()),
                    ("category", text()),
                    ("active", uint()),
                    ("revoked", uint()),
                ]),
            ),
        ),
        (
            "ExposureStats",
            page(
                "by_day",
                object(&[("day", uint()), ("batches", uint()), ("records", uint())]),
            ),
        ),
        (
            "CountStats",
            page(
                "rows",
                object(&[
                    ("region", uint()),
                    ("category", text()),
                    ("epoch", uint()),
                    ("count", uint()),
                ]),
            ),
        ),
        ("Error", error_schema()),
    ] {
        m.insert(name.to_owned(), schema);
    }
    m
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(op.path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(op.method.into(), operation(op));
        }
    }
    let envelope = json!({ "type": "apiKey", "in": "header", "name": "Venuecode-Signature",
        "description": "base64url RequestEnvelope (SPEC.md) signed by the key this scheme names" });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Venuecode server API",
            "version": "1",
            "description": "See protocol-spec/API.md. Protocol artefacts travel as their canonical binary encoding."
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "venue": envelope, "ha": envelope, "admin": envelope }
        }
    })
}
