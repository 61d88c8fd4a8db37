//! `GET /v1/admin/venues?name=`: the RA administrator's search by name, over HTTP on redb and
//! on PostgreSQL. Only the admin key may use it; names match in NFC without case; each page
//! reads a bounded number of certificates and says where to go on.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;
mod pg;

use common::Harness;
use venuecode_protocol::api::{VenueSearch, MAX_VENUE_SCAN};
use venuecode_protocol::SigningKey;

fn search_path(name: &str, after: Option<u64>) -> String {
    let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    match after {
        Some(a) => format!("/v1/admin/venues?name={name}&after={a}"),
        None => format!("/v1/admin/venues?name={name}"),
    }
}

fn search(h: &Harness, name: &str, after: Option<u64>) -> VenueSearch {
    let r = h.signed(&h.admin, "GET", &search_path(name, after), b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    serde_json::from_slice(&r.body).unwrap()
}

fn names(s: &VenueSearch) -> Vec<(&str, bool)> {
    s.venues
        .iter()
        .map(|v| (v.name.as_str(), v.revoked))
        .collect()
}

fn finds_by_name_and_refuses_everyone_but_the_admin(h: &Harness) {
    let (_, dragon) = h.register("Golden Dragon");
    let (blue_key, blue) = h.register("Blue DRAGON Bar");
    h.register("Noodle House");
    // Decomposed é: the server issues it in NFC, and the query may use either form or case.
    let (cafe_key, _) = h.register("Cafe\u{301} Rouge");
    let r = h.signed(&blue_key, "POST", &format!("/v1/venues/{blue}/revoke"), b"");
    assert_eq!(r.status, 200);

    let found = search(h, "dragon", None);
    assert_eq!(
        names(&found),
        [("Golden Dragon", false), ("Blue DRAGON Bar", true)]
    );
    assert_eq!(found.next, None);
    let golden = &found.venues[0];
    assert_eq!(golden.serial, dragon);
    assert_eq!(
        (
            golden.address.as_str(),
            golden.region,
            golden.category.as_str()
        ),
        ("1 Example Road", 620_105, "restaurant")
    );
    assert_eq!(golden.key_id.len(), 16);
    let cafe = search(h, "CAF\u{c9}", None);
    assert_eq!(names(&cafe), [("Caf\u{e9} Rouge", false)]);
    assert_eq!(
        cafe.venues[0].key_id,
        cafe_key.public_key().key_id().to_hex()
    );
    assert!(search(h, "  golden  ", None).venues.len() == 1);
    assert!(search(h, "Pizza", None).venues.is_empty());

    // Nobody but the RA administrator may search.
    let path = search_path("dragon", None);
    let r = h.get(&path);
    assert_eq!((r.status, r.code().as_str()), (401, "signature_missing"));
    for key in [
        &blue_key,
        &cafe_key,
        &h.ha,
        &SigningKey::generate().unwrap(),
    ] {
        let r = h.signed(key, "GET", &path, b"");
        assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    }
    // The signature covers the query: a signed search for one name cannot be replayed as
    // another.
    let sig = Harness::sig(&h.admin, "GET", &path, b"", common::now());
    let r = h.request("GET", &search_path("noodle", None), &[sig], b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));

    for bad in ["", "   ", &"x".repeat(121)] {
        let r = h.signed(&h.admin, "GET", &search_path(bad, None), b"");
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"), "{bad:?}");
    }
    let r = h.signed(&h.admin, "GET", "/v1/admin/venues", b"");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
}

#[test]
fn redb_search_by_name() {
    finds_by_name_and_refuses_everyone_but_the_admin(&Harness::start());
}

#[test]
fn postgres_search_by_name() {
    let db = pg::TestDb::new();
    let url = db.url.clone();
    finds_by_name_and_refuses_everyone_but_the_admin(&Harness::start_with(|c| {
        c.postgres_url = Some(url)
    }));
}

#[test]
fn each_page_reads_a_bounded_number_of_certificates() {
    let h = Harness::start();
    let mut last = 0;
    for i in 0..=MAX_VENUE_SCAN {
        let name = if i == MAX_VENUE_SCAN {
            "The Last Dragon".to_owned()
        } else {
            format!("Shop {i}")
        };
        last = h.register(&name).1;
    }
    let first = search(&h, "dragon", None);
    assert!(first.venues.is_empty());
    let after = first.next.expect("a full page says where to go on");
    assert!(after < last);
    let second = search(&h, "dragon", Some(after));
    assert_eq!(names(&second), [("The Last Dragon", false)]);
    assert_eq!(second.next, None);
}
