//! The OpenAPI 3 document served at `/v1/openapi.json`. A test checks that its operations are
//! exactly the routes of API.md and that each one is routed.

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
        path: "/metrics",
        summary: "Prometheus metrics",
        auth: "",
        request: None,
        ok: (200, "application/openmetrics-text"),
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
    if let Some(media) = op.request {
        o.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { media: {} } }),
        );
    }
    let mut responses = Map::new();
    let ok = if op.ok.1.is_empty() {
        json!({ "description": "success" })
    } else {
        json!({ "description": "success", "content": { op.ok.1: {} } })
    };
    responses.insert(op.ok.0.to_string(), ok);
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
            "schemas": { "Error": error_schema() },
            "securitySchemes": { "venue": envelope, "ha": envelope, "admin": envelope }
        }
    })
}
