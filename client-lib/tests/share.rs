//! Sharing after a positive test: candidates, selection, sealing, TAN errors, retries.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use common::*;
use venuecode_client::transport::TanState;
use venuecode_client::*;
use venuecode_protocol::sealed::PAD_BUCKETS;
use venuecode_protocol::{Codec, SealedMessage, Upload};

const TAN: &str = "TAN-0123456789";

/// Three visits: noodles at NOW, museum at NOW+120, noodles again two days later.
fn three_visits(w: &World) -> (Visitor, [EntryId; 3]) {
    let v = w.visitor();
    let a = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(120);
    let b = v.scan_and_check_in(&w.rotating_url(&w.museum)).unwrap();
    w.clock.advance_minutes(2 * 1440);
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(90);
    (v, [a.entry.id(), b.entry.id(), c.entry.id()])
}

fn opened(w: &World, bytes: &[u8]) -> Upload {
    Upload::open(&w.ha_enc, &SealedMessage::decode(bytes).unwrap()).unwrap()
}

#[test]
fn candidates_are_the_entries_of_the_infectious_window() {
    let w = world();
    let (v, [a, b, c]) = three_visits(&w);
    v.set_hidden(b, true).unwrap();
    let ids = |list: Vec<DiaryEntry>| list.iter().map(|e| e.id()).collect::<Vec<_>>();
    assert_eq!(
        ids(v.share_candidates(NOW, NOW + 4000).unwrap()),
        vec![a, b, c]
    );
    assert_eq!(
        ids(v.share_candidates(NOW + 100, NOW + 200).unwrap()),
        vec![b]
    );
    assert_eq!(
        ids(v.share_candidates(NOW + 1000, NOW + 5000).unwrap()),
        vec![c]
    );
    assert!(matches!(
        v.share_candidates(NOW, NOW),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn the_selection_is_sealed_padded_and_uploaded_with_the_tan() {
    let w = world();
    let (v, [a, b, c]) = three_visits(&w);
    w.server.register_tan(TAN, TanState::Fresh).unwrap();
    // The user deselects the museum.
    let receipt = v.share(TAN, &[a, c]).unwrap();
    assert_eq!(receipt.entries, 2);
    assert_eq!(receipt.tone(), Tone::Success);
    assert!(v.pending_share().unwrap().is_none());

    let uploads = w.server.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(receipt.bytes, uploads[0].len());
    let sealed = SealedMessage::decode(&uploads[0]).unwrap();
    assert!(PAD_BUCKETS
        .iter()
        .any(|b| b + 16 == sealed.ciphertext().len()));
    let upload = opened(&w, &uploads[0]);
    assert_eq!(upload.entries().len(), 2);
    // The TAN is inside the seal; the server got only its hash, never the TAN.
    assert_eq!(upload.tan(), TAN);
    assert_eq!(
        w.server.upload_tan_headers(),
        vec![venuecode_protocol::envelope::tan_hash_hex(TAN).unwrap()]
    );
    let first = &upload.entries()[0];
    assert_eq!(first.code(), v.entry(a).unwrap().code());
    assert_eq!((first.arrival(), first.departure()), (NOW, NOW + 60));
    let names: Vec<_> = upload
        .entries()
        .iter()
        .map(|e| e.code().certificate().info().name().to_owned())
        .collect();
    assert_eq!(names, vec![NOODLES_NAME, NOODLES_NAME]);
    assert!(upload
        .entries()
        .iter()
        .all(|e| e.code() != v.entry(b).unwrap().code()));
}

#[test]
fn used_expired_and_unknown_tans_are_distinct_errors() {
    let w = world();
    let (v, [a, ..]) = three_visits(&w);
    w.server
        .register_tan("USED-012345", TanState::Used)
        .unwrap();
    w.server
        .register_tan("EXPIRED-0123", TanState::Expired)
        .unwrap();
    let r = v.share("USED-012345", &[a]);
    assert!(matches!(r, Err(Error::TanUsed)));
    assert_eq!(Tone::of(&r), Tone::Failure);
    assert!(matches!(
        v.share("EXPIRED-0123", &[a]),
        Err(Error::TanExpired)
    ));
    assert!(matches!(
        v.share("NEVER-012345", &[a]),
        Err(Error::TanUnknown)
    ));
    w.server
        .register_tan("CANCELLED-01", TanState::Cancelled)
        .unwrap();
    assert!(matches!(
        v.share("CANCELLED-01", &[a]),
        Err(Error::Server {
            status: 410,
            code: venuecode_protocol::api::ErrorCode::TanCancelled,
            ..
        })
    ));
    assert!(matches!(
        v.share("short", &[a]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(v.share(TAN, &[]), Err(Error::NothingSelected)));
    assert!(matches!(
        v.share(TAN, &[EntryId(99)]),
        Err(Error::EntryNotFound)
    ));
    assert!(w.server.uploads().is_empty());
}

#[test]
fn a_failed_upload_is_retried_with_the_same_content() {
    let w = world();
    let (v, [a, b, _]) = three_visits(&w);
    w.server.register_tan(TAN, TanState::Fresh).unwrap();
    w.server.fail_next(1);
    assert!(matches!(v.share(TAN, &[a, b]), Err(Error::Network(_))));
    let pending = v.pending_share().unwrap().unwrap();
    assert_eq!(pending.entries, 2);

    // Even after a restart, and after the entries changed, the stored bytes are what is sent.
    drop(v);
    let v = w.visitor();
    v.delete(b).unwrap();
    let receipt = v.retry_share().unwrap();
    assert_eq!(receipt.entries, 2);
    assert_eq!(receipt.bytes, pending.bytes);
    assert_eq!(opened(&w, &w.server.uploads()[0]).entries().len(), 2);
    assert!(v.pending_share().unwrap().is_none());
    assert!(matches!(v.retry_share(), Err(Error::NoPendingUpload)));
}

#[test]
fn a_lost_response_then_shows_the_tan_as_used_and_a_new_tan_resends() {
    let w = world();
    let (v, [a, ..]) = three_visits(&w);
    w.server.register_tan(TAN, TanState::Fresh).unwrap();
    w.server.lose_next_response();
    assert!(matches!(v.share(TAN, &[a]), Err(Error::Network(_))));
    // The server did store it; the retry learns the TAN is spent.
    assert!(matches!(v.retry_share(), Err(Error::TanUsed)));
    assert!(v.pending_share().unwrap().is_some());

    w.server
        .register_tan("SECOND-01234", TanState::Fresh)
        .unwrap();
    let first = w.server.uploads()[0].clone();
    v.retry_share_with_tan("SECOND-01234").unwrap();
    // The same entries, sealed again around the new TAN: the HA accepts an upload only under
    // the TAN sealed in it.
    let second = w.server.uploads()[1].clone();
    assert_ne!(second, first);
    assert_eq!(opened(&w, &first).tan(), TAN);
    assert_eq!(opened(&w, &second).tan(), "SECOND-01234");
    assert_eq!(opened(&w, &second).entries(), opened(&w, &first).entries());
    v.discard_pending_share().unwrap();
    assert!(v.pending_share().unwrap().is_none());
}

#[test]
fn a_typed_tan_is_sealed_and_hashed_in_the_canonical_form_the_ha_issued() {
    let w = world();
    let (v, [a, ..]) = three_visits(&w);
    // As `authority tan` makes them: canonical, shown in groups.
    let first = venuecode_client::tan::generate().unwrap();
    let second = venuecode_client::tan::generate().unwrap();
    w.server.register_tan(&first, TanState::Fresh).unwrap();
    w.server.lose_next_response();
    // Typed in lower case with spaces: the same TAN.
    let typed = venuecode_client::tan::display(&first)
        .to_lowercase()
        .replace('-', " ");
    assert!(matches!(v.share(&typed, &[a]), Err(Error::Network(_))));
    assert!(matches!(v.retry_share(), Err(Error::TanUsed)));
    w.server.register_tan(&second, TanState::Fresh).unwrap();
    // Grouped, as shown.
    v.retry_share_with_tan(&venuecode_client::tan::display(&second))
        .unwrap();
    let uploads = w.server.uploads();
    assert_eq!(opened(&w, &uploads[0]).tan(), first);
    assert_eq!(opened(&w, &uploads[1]).tan(), second);
    let hash = |t: &str| venuecode_protocol::envelope::tan_hash_hex(t).unwrap();
    let headers = w.server.upload_tan_headers();
    assert_eq!(headers.first(), Some(&hash(&first)));
    assert_eq!(headers.last(), Some(&hash(&second)));
    assert!(v.pending_share().unwrap().is_none());
}

#[test]
fn the_pending_upload_is_not_readable_from_the_raw_file() {
    let w = world();
    let (v, [a, ..]) = three_visits(&w);
    w.server.fail_next(1);
    assert!(v.share(TAN, &[a]).is_err());
    drop(v);
    let raw = std::fs::read(w.diary_path()).unwrap();
    assert!(!raw.windows(TAN.len()).any(|win| win == TAN.as_bytes()));
}

#[test]
fn hidden_entries_stay_out_of_a_share_unless_included_by_id() {
    let w = world();
    let (v, [a, b, c]) = three_visits(&w);
    v.set_hidden(b, true).unwrap();
    let ids = |list: &[DiaryEntry]| list.iter().map(|e| e.id()).collect::<Vec<_>>();
    let window = (NOW, NOW + 4000);

    // The preview lists what will be sent, the hidden entry left out, and nothing excluded.
    let p = v
        .preview_share(window.0, window.1, &ShareSelection::default())
        .unwrap();
    assert_eq!(p.window(), window);
    assert_eq!(ids(p.to_send()), vec![a, c]);
    assert_eq!(ids(p.hidden()), vec![b]);
    assert!(p.excluded().is_empty());
    let debug = format!("{p:?}");
    assert!(!debug.contains(NOODLES_NAME) && !debug.contains(&NOW.to_string()));

    let sel = ShareSelection {
        exclude: vec![c],
        include_hidden: Vec::new(),
    };
    let p = v.preview_share(window.0, window.1, &sel).unwrap();
    assert_eq!(
        (ids(p.to_send()), ids(p.hidden()), ids(p.excluded())),
        (vec![a], vec![b], vec![c])
    );
    // An id that is not an entry of the window is refused, not ignored.
    for sel in [
        ShareSelection {
            exclude: vec![EntryId(99)],
            include_hidden: Vec::new(),
        },
        ShareSelection {
            exclude: Vec::new(),
            include_hidden: vec![EntryId(99)],
        },
    ] {
        assert!(matches!(
            v.preview_share(window.0, window.1, &sel),
            Err(Error::InvalidArgument(_))
        ));
    }

    // Sharing every candidate by id still leaves the hidden entry out.
    w.server.register_tan(TAN, TanState::Fresh).unwrap();
    let receipt = v.share(TAN, &[a, b, c]).unwrap();
    assert_eq!(receipt.entries, 2);
    let upload = opened(&w, &w.server.uploads()[0]);
    let museum = v.entry(b).unwrap().code().clone();
    assert_eq!(upload.entries().len(), 2);
    assert!(upload.entries().iter().all(|e| *e.code() != museum));
    // Only hidden entries selected: nothing to send, nothing sent.
    assert!(matches!(v.share(TAN, &[b]), Err(Error::NothingSelected)));
    assert_eq!(w.server.uploads().len(), 1);

    // Included by id, the hidden entry is sent, and the preview said so.
    let second = "TAN-9876543210";
    w.server.register_tan(second, TanState::Fresh).unwrap();
    let sel = ShareSelection {
        exclude: vec![a],
        include_hidden: vec![b],
    };
    let p = v.preview_share(window.0, window.1, &sel).unwrap();
    assert_eq!(ids(p.to_send()), vec![b, c]);
    assert!(p.hidden().is_empty());
    let receipt = v.share_previewed(second, &p).unwrap();
    assert_eq!(receipt.entries, 2);
    let upload = opened(&w, &w.server.uploads()[1]);
    let codes: Vec<_> = upload.entries().iter().map(|e| e.code().clone()).collect();
    assert_eq!(codes, vec![museum, v.entry(c).unwrap().code().clone()]);
}

#[test]
fn an_entry_hidden_after_the_preview_stays_out() {
    let w = world();
    let (v, [a, b, _]) = three_visits(&w);
    let p = v
        .preview_share(NOW, NOW + 200, &ShareSelection::default())
        .unwrap();
    assert_eq!(p.to_send().len(), 2);
    v.set_hidden(b, true).unwrap();
    w.server.register_tan(TAN, TanState::Fresh).unwrap();
    assert_eq!(v.share_previewed(TAN, &p).unwrap().entries, 1);
    let upload = opened(&w, &w.server.uploads()[0]);
    assert_eq!(upload.entries()[0].code(), v.entry(a).unwrap().code());
}
