# Venuecode CLI messages, English. Every message here has its twin in zh-CN/venuecode.ftl with
# the same variables (checked by a test). Ids: error-* are CLI errors (their code is the id
# without `error-`, see ERRORS.md); client-* and authority-* word the libraries' errors;
# server-* are the server's error codes' hints.

## Errors of the CLI

label-error = error
error-file = { $detail }
error-render = the poster could not be made: { $detail }
error-font-not-found = { $detail }
error-font-unusable = { $detail }
error-bad-lang = unknown language `{ $lang }`: use en or zh-CN.
error-bad-time = { $flag }: { $detail }
error-no-venue = no venue registered in { $dir }: run `venuecode venue register` first.
error-pledge-required = the pledge that the information is true is required: pass --pledge.
error-not-checked-in = you are not checked in anywhere.
error-auto-checked-out = you are not checked in anywhere: the automatic check-out ended your stay at { $venue } at { $time }. If you left at another time, correct it with `venuecode visitor edit { $id } --arrival TIME --departure TIME`.
error-scan-input = give either the scanned text or --image PHOTO.
error-no-qr-in-photo = no QR code was found in { $path }: take the photo again, closer and in focus.
error-cannot-read = cannot read { $path }: { $detail }
error-share-not-confirmed = nothing was sent: the share was not confirmed.
error-share-needs-terminal = nothing was sent: confirm the share on a terminal, or pass --yes to send the { $count } check-in(s) listed above.
error-nothing-to-share = there is nothing to share in that window.
error-nothing-to-share-hidden = there is nothing to share in that window: { $count } hidden entr(ies) were left out; name any to send with --include-hidden.
error-share-ids = --exclude and --include-hidden take ids of entries in the window (see `visitor diary --all`)
error-sync-incomplete = the sync did not complete: { $detail }
error-bad-region = region { $region } is not a six-digit division code
error-nothing-to-update = nothing to update: give at least one field that differs, or --renew (see --help).
error-revoke-needs-yes = revoking deactivates every poster of this venue; pass --yes to confirm.
error-venue-deactivated = this venue deactivated its code (serial { $serial }): phones refuse it, so no new code is made. To check in visitors again, register anew in a fresh home.
error-venue-disabled = the registration authority disabled this venue (serial { $serial }): phones refuse its codes, so no new code is made. Contact the authority.
error-venue-superseded = serial { $serial } was replaced by a newer certificate: restore or update this venue home (`venuecode venue restore`) before making codes.
error-venue-revoked = serial { $serial } is on the revocation list: no new code is made.
error-counts-disabled = the server does not count check-ins (start it with --counts to enable counts).
error-counts-days = --days must be between 1 and { $max } (counts are kept for the retention period).
error-stay-range = --stay must be between { $min } and { $max } minutes, not { $stay }
error-text-invisible = { $flag } holds an invisible, bidirectional-control or other control character (zero-width space or joiner, byte order mark, direction mark or override, line separator, ...): type it again.
error-text-blank = { $flag } must be non-empty text without leading or trailing spaces or control characters.
error-text-too-long = { $flag } is { $bytes } bytes of UTF-8; at most { $max } fit (about { $chars } Chinese characters)
error-key-exists = { $path } already exists; refusing to overwrite a key (move it away first)
error-no-trust = no trust bundle installed in { $root }: this home trusts no authority keys yet. Install the bundle your health authority published (`authority init` writes authority/trust-bundle.bin) with `venuecode --home { $root } trust install FILE`, or pass --trust-bundle FILE (VENUECODE_TRUST_BUNDLE). Keys are never taken from the server.
error-registration-pending = registration { $id } is waiting for the registration authority's review: run `venuecode venue collect` to fetch the certificate once it is approved
error-no-registration-pending = no registration is waiting in { $dir }: run `venuecode venue register`
error-sheet-missing-line = the recovery sheet has no `{ $label }:` line: copy the whole sheet
error-sheet-bad-hex = the recovery sheet's `{ $label }` is not 64 hexadecimal digits: check it for a typo
error-sheet-bad-serial = the recovery sheet's `{ $label }` is not a number: check it for a typo
error-sheet-wrong-key = the server's certificate for serial { $serial } is not for the venue key on this sheet: check the serial and the key for a typo
error-insecure-http = { $detail } (--insecure-http)
error-tan-count = --count must be between 1 and { $most }
error-tan-hours = --valid-hours must be between 1 and { $most } (the retention period)
error-no-upload = no upload { $id } in the mailbox: see `authority uploads list`.
error-bad-window = --window takes SERIAL,FROM,UNTIL (a certificate serial and two times), got `{ $window }`
error-delete-needs-terminal = nothing was deleted: confirm on a terminal, or pass --yes to delete guest { $id }.
error-demo-failed = the demo went wrong: { $detail }. Report this with the output above.
error-demo-server = the demo's own server could not start: { $detail }
error-cannot-create = cannot create { $path }: { $detail }
error-cannot-write = cannot write { $path }: { $detail }
error-bad-bundle-url = { $flag } `{ $url }`: { $detail } (https://…, or http:// only to 127.0.0.1, [::1] or localhost)
error-trust-bundle-invalid = the trust bundle does not verify: { $detail }
error-not-a-trust-bundle = { $path } is not a trust bundle: { $detail }
error-trust-bundle-not-update = refused the trust bundle (sequence { $sequence }): it is not an update of the installed bundle (sequence { $installed }, signed by RA key { $key }): { $detail }; the installed keys stay
error-bad-hex-key = `{ $text }` is not 64 hex digits
error-bad-public-key = public key { $text }: { $detail }
error-not-an-image = not a PNG or JPEG image{ $more }
error-venue-home-damaged = { $file } in this venue home is damaged{ $more }: restore the venue from its recovery sheet (`venuecode venue restore`) in a fresh home.
error-venue-certificate-untrusted = this venue's certificate does not verify under the installed trust bundle: { $detail }
error-bad-base-url = { $detail }
error-server-certificate-invalid = the certificate from the server does not verify ({ $detail }): check that this home trusts the right authority (`venuecode trust show`).
error-not-confirmed = nothing was done: it was not confirmed.
error-needs-terminal = nothing was done: confirm on a terminal, or pass --yes.
error-no-such-serial = no venue has serial { $serial }; nothing was disabled. Check the number.
error-venue-name-not-found = no current venue's name holds “{ $name }”; nothing was disabled. Check the spelling, or give the serial.
error-venue-name-too-many = more than { $most } venues' names hold “{ $name }”; nothing was disabled. Give more of the name, or the serial.
error-venue-name-ambiguous =
    { $count } venues' names hold “{ $name }”; nothing was disabled. Give the serial of the one to disable, or more of its name:
    { $list }

## The client library's errors

client-malformed-code = this is not a valid venue code ({ $detail }): scan the venue's poster or screen again.
client-unknown-authority = this venue code was issued by an authority this app does not trust: do not check in with it, and tell the venue.
client-forged-certificate = this venue's certificate is forged: do not check in with it, and tell the venue or the authority.
client-bad-venue-signature = this venue code's signature is invalid (a forged code or a swapped seed): do not check in with it, and tell the venue.
client-not-yet-valid = this venue code is not valid yet: check that this device's date and time are set automatically.
client-expired = this venue code has expired: ask the venue for its current code.
client-stale-code = this rotating code has expired: scan the screen again (if the screen's code is fresh, this phone's clock is wrong: set its date and time automatically).
client-invalid-code-validity = this rotating code is signed for another time than this phone's clock: check that its date and time are set automatically, then scan again.
client-revoked = this venue code has been deactivated: do not check in with it; ask the venue for its current code.
client-superseded = this poster was replaced when the venue updated its information: scan its current poster.
client-wrong-key = the diary key does not open this diary: use the home it was made in.
client-corrupt = the diary is damaged or was tampered with: restore it from a backup.
client-storage = the diary could not be read or written ({ $detail }): check the disk and try again.
client-unsupported-diary-layout = the diary file uses a retired layout that this version does not read: start a new diary.
client-entry-not-found = there is no diary entry with that id: see `venuecode visitor diary --all`.
client-exposure-not-found = there is no exposure with that id: see `venuecode visitor exposures --all`.
client-not-checked-in = that entry is not an open check-in (it was checked out already).
client-edit-out-of-bounds = that edit is out of bounds ({ $detail }): give times within the allowed range.
client-guest-not-found = there is no guest { $id } in the guest book: see `venuecode venue guestbook list`.
client-guest-checked-out = guest { $id } is already checked out; to correct the departure, use `venuecode venue guestbook edit { $id } --departure … --name … --phone …`.
client-guest-identity-not-kept = guest { $id } is checked out and this device no longer keeps the name and phone: give both the name and the phone again.
client-invalid-server-url = the server URL cannot be used ({ $detail }): give it as https://host[:port].
client-insecure-server-url = refusing plain HTTP to { $detail }: it is not this machine, so the connection would be unencrypted and unauthenticated; use https://, or explicitly allow insecure HTTP for a drill.
client-trusted-ca = the trusted CA certificates cannot be used ({ $detail }): check the --ca-file PEM file.
client-network = cannot reach the server { $detail }: check the server address (--server) and the network, then try again.
client-bad-response = the server's answer does not follow the API ({ $detail }): check that --server names a Venuecode server of this version.
client-tan-used = this TAN was already used: ask the health authority for a new one.
client-tan-expired = this TAN has expired: ask the health authority for a new one.
client-tan-unknown = this TAN is not known to the server: check it for a typo, or it may have been cancelled (it was not used, and nothing was stored).
client-tan-typo = this TAN has a typo: compare it with the one the health authority gave (16 characters like 7K2M-9XR4-TPLW-3NBQ).
client-server-error = the server refused the request ({ $status } { $code }{ $message }): { $hint }.
client-server-error-bare = the server answered { $status } without an error code: check that --server names a Venuecode server, or try again later.
client-certificate-refused = the certificate the server issued is refused ({ $detail }): nothing was changed; tell the registration authority.
client-no-pending-upload = no upload is waiting to be sent.
client-nothing-selected = no entry was selected to share.
client-protocol = a protocol check failed ({ $detail }).
client-invalid-argument = an argument is invalid ({ $detail }).

## The authority library's errors

authority-file = a state file could not be read or written ({ $detail }): check the path and its permissions.
authority-corrupt-state = a state file does not hold what this authority wrote there ({ $detail }): restore it from a backup.
authority-bad-answer = the server's answer is not of the documented form ({ $detail }).
authority-protocol = signing, sealing or encoding failed ({ $detail }).
authority-unknown-purpose = { $detail }: update this program.
authority-upload-undecodable = an upload { $detail }.
authority-upload-unopenable = an upload { $detail }: check that this is the authority's home.
authority-seed-release-invalid = a seed release { $detail }.
authority-tan-unknown = an upload is { $detail }.
authority-tan-not-for-case = an upload is { $detail }.
authority-tan-replayed = an upload: { $detail }.
authority-tan-used = an upload: { $detail }.
authority-code-invalid = a shared check-in: { $detail }.
authority-claim-invalid = a shared check-in: { $detail }.
authority-empty-window = { $detail }: choose a longer window.
authority-no-check-in-at-venue = { $detail }: choose a venue from the case uploads.
authority-chain-mismatch = { $detail }: fetch the server's chain and publish again.
authority-batch-kept-pending = posting the batch failed; it is kept in { $path } and the next publish posts it again: { $detail }
authority-nothing-to-publish = { $detail }.
authority-nothing-new = { $detail }.
authority-all-windows-refused = { $detail }.
authority-tan-cancelled = an upload: { $detail }.
authority-tan-id-unknown = { $detail }.
authority-tan-id-ambiguous = { $detail }.
authority-tan-already-cancelled = { $detail }: nothing to do.
authority-tan-already-used = { $detail }.
authority-date-range = { $detail }: give --from on or before --until.
authority-region-not-a-filter = { $detail }.
authority-region-not-in-table = { $detail }: give a province or prefecture code from the GB/T 2260 table.
authority-unknown-category = { $detail }.
authority-uploads-missing = { $detail }: see `venuecode authority uploads list`.
authority-retention-mismatch = { $detail }.
authority-key-file = { $detail }: give the right key file (its first line names the kind of key it holds).
authority-key-exists = { $detail }
authority-invalid-url = { $detail }

## Hints of the server's error codes (API.md)

server-malformed = fix the request as the message says; sending it again unchanged fails the same way
server-signature-missing = sign the request with the key the route needs
server-signature-invalid = sign with the key this route takes (venue, HA or RA administrator key) over the exact method, path and body
server-timestamp-out-of-window = set this machine's clock automatically, then sign the request again
server-replayed = sign every request afresh, with a new nonce
server-pledge-missing = the manager must pledge that the venue information is true
server-venue-disabled = contact the registration authority; this venue key cannot be used again
server-registration-refused = contact the registration authority before registering again
server-tan-unknown = check the TAN for a typo, or ask the health authority for a new one
server-not-found = check the number or path; the item may have expired
server-counts-disabled = this server does not count visits; do not send counts to it
server-method-not-allowed = use the method API.md gives for this route
server-timeout = retry on a better connection; a write may have been applied (a retried upload then answers tan_used)
server-duplicate = nothing to do: this batch was posted before
server-chain-mismatch = post the batches in sequence order, each linking to the stored head
server-stale-checkpoint = post a checkpoint newer than the stored one
server-tan-used = ask the health authority for a new TAN if this upload was not yours
server-tan-cancelled = ask the health authority for a new TAN; this one was cancelled
server-revoked = register the venue again with a new key to get a new certificate
server-venue-key-registered = change the venue's details with an update, or register with a new key
server-duplicate-venue = the venue is registered already; update that registration instead
server-already-reviewed = nothing to do: the registration was decided already
server-tan-expired = ask the health authority for a new TAN
server-too-large = send a smaller body, within the route's limit in API.md
server-rate-limited = wait the seconds the Retry-After header gives, then retry
server-overloaded = retry later, after a pause
server-internal = retry later; if it persists, tell the server's operator

## General

warning-insecure-http = WARNING: --insecure-http: plain HTTP to the server is allowed; requests, answers and TANs can be read and changed by anyone on the network. Use it for drills only.

## visitor

visitor-scan-refused = ✗ { $detail }
visitor-preview = { $venue } — { $address } ({ $category }, { $kind } code)
visitor-checked-in = ✓ { $venue } — { $address }
    checked in at { $arrival }; automatic check-out at { $departure } (a reminder at { $reminder })
visitor-already-checked-in = (already checked in here; nothing added)
visitor-checked-out-of-entry = checked out of entry { $id }
visitor-checked-out = checked out of { $venue } at { $time }
visitor-diary-head = { $count } check-in(s):
visitor-hidden-mark = (hidden)
visitor-no-exposure-listed = no exposure listed
visitor-dismiss-hint = `venuecode visitor dismiss ID` once you have acted on one
visitor-dismissed = dismissed exposure { $id } at { $venue }; `visitor exposures --all` still shows it
visitor-deleted = deleted entry { $id }
visitor-entry-shown = entry { $id } shown
visitor-entry-hidden = entry { $id } hidden
visitor-sync-progress = checked batch { $batch } of { $latest }
visitor-shared = shared { $count } check-in(s) with the health authority, sealed to its key
visitor-share-preview-done = nothing sent (--preview)
visitor-share-will-send = will send { $count } check-in(s) to the health authority:
visitor-share-left-hidden = left out, hidden ({ $count }; --include-hidden ID to send):
visitor-share-left-excluded = left out, excluded ({ $count }):
visitor-share-confirm = Send these { $count } check-in(s) to the health authority? Type yes:
visitor-confirm-word = yes

## exposures and sync

exposure-high-head = ⚠ HIGH RISK EXPOSURE
exposure-high-advice = Get tested and stay at home; follow the health authority's instructions.
exposure-low-head = Low-risk exposure
exposure-low-advice = Watch for symptoms and get tested if any appear.
exposure-line = { $head } (exposure { $id }) at { $venue }: { $minutes } minute(s) of overlap from { $start }.
exposure-dismissed = (dismissed)
sync-complete = the exposure list is complete up to batch { $cursor }
sync-withheld-one = batch { $from } was
sync-withheld-range = batches { $from }–{ $to } were
sync-withheld = WARNING: { $range } withheld by the server; exposures in them cannot be checked (the list is complete only up to batch { $cursor }). Sync again later or over another network.
sync-last-checkpoint = last checkpoint at { $time }
sync-no-checkpoint = no checkpoint from the health authority yet
sync-stale = the list may be stale ({ $when }): newer batches may exist that this device was not shown; read up to batch { $cursor }
sync-synced = synced { $count } new batch(es); { $chain }
sync-part-trust-bundle = trust bundle
sync-part-revocations = revocations
sync-part-checkpoint = checkpoint
sync-part-batches = batches
sync-part-pings = count pings
sync-refused = WARNING: { $part } refused: { $detail }
sync-refused-bundle-kept = ; the installed keys stay
sync-refused-revocations-kept = ; the revocations held before stay in force
sync-failed = warning: { $part } failed: { $detail }
sync-bundle-updated = trust bundle updated (a rotation signed by a held RA key)
sync-pings-sent = sent { $count } count ping(s)
sync-no-exposure = no exposure
sync-no-new-exposure = no new exposure
sync-earlier-listed = { $count } earlier exposure(s) still listed: `venuecode visitor exposures`; `venuecode visitor dismiss ID` once you have acted

## venue

venue-pending = the registration authority reviews new venues: registration { $id } is waiting for its approval.
    Next: `venuecode venue collect` fetches the certificate once approved.
venue-registered = registered { $name } as serial { $serial }; certificate valid until { $until }.
    Next: `venuecode venue poster` and `venuecode venue recovery-sheet`.
venue-still-waiting = registration { $id } is still waiting for the registration authority
venue-refused = the registration authority refused registration { $id }; the key kept for it is deleted, and `venuecode venue register` may be run again
venue-approved = approved: { $name } is serial { $serial }; certificate valid until { $until }.
    Next: `venuecode venue poster` and `venuecode venue recovery-sheet`.
venue-profile-updated = updated the poster's details (English lines, code base URL, language); the certificate is unchanged.
    Next: `venuecode venue poster` to print the new poster.
venue-updated = updated { $name }: new certificate serial { $serial } replaces serial { $old }, valid until { $until }.
    Phones refuse the old posters after their next sync and point visitors to the
    current one. Next: `venuecode venue poster`, and replace every printed poster
    (a running `venuecode venue display` switches to the new certificate by itself).
venue-poster-written = wrote { $pdf }, { $svg } and { $png }. Print at A4 or larger, one at every entrance.
venue-sheet-written = wrote the recovery sheet to { $path } (mode 0600)
sheet-header =
    VENUECODE RECOVERY SHEET — PRIVATE. Keep locked away; never post it.
    Anyone holding this sheet can make this venue's codes.
sheet-venue = Venue
sheet-english-name = English name
sheet-english-address = English address
sheet-serial = Serial
sheet-issued = Issued
sheet-base-url = Code base URL
sheet-master = Master seed
sheet-master-note = derives every code's seed
sheet-key = Venue key
sheet-key-note = RFC 8032 seed; signs codes and requests
sheet-guest-book = Guest book key
sheet-guest-book-note = opens a copy of venue/guestbook.redb
sheet-footer =
    To restore on a new device: install the authority's trust bundle, then run
      venuecode --home NEW-HOME venue restore --sheet THIS-FILE
    It fetches the current certificate from the server and rebuilds the venue home. The
    guests recorded on the lost device are gone unless a copy of venue/guestbook.redb is
    put back; the guest book key above opens it.
serve-listening = venuecode server listening on { $url }
serve-metrics = metrics for the operator at { $url } (plain HTTP: keep this port off the internet)
venue-restored-other-name = note: the venue is now registered as { $name } (the sheet says { $sheet })
venue-restored = restored { $name } (serial { $serial }; certificate valid until { $until }) in { $home }.
    Next: `venuecode venue poster` or `venuecode venue display` work again; put back a copy of venue/guestbook.redb to keep earlier guests.
venue-display-showing = showing the rotating code at { $url } (full-screen it on the entrance screen; Ctrl-C stops)
venue-display-loopback-only = this display answers only this machine (open it at http://127.0.0.1)
venue-display-needs-token = this display needs its access token: open the URL `venue display` printed
venue-display-exposed = venue display: listening on { $addr }, which other machines can reach: only requests with the access token in the URL above get codes; keep it private
venue-display-unspecified = (put this machine's address in place of the unspecified one)
venue-not-notified = not notified in the last { $days } days
venue-notified = NOTIFIED: the health authority published these windows:
venue-notified-window = { $window } (batch { $batch })
venue-seeds-released = released the seeds of { $count } day(s), sealed to the health authority (upload { $id })
venue-count-tags-failed = warning: registering the count tags failed: { $detail }
venue-counts = check-ins today (venue's local day { $day }): { $today }; last { $days } days: { $total }
venue-count-tags-registered = registered this venue's count tags for { $first } to { $last } (its local days); run daily
venue-already-revoked = serial { $serial } was already deactivated; nothing to do
venue-revoked = deactivated serial { $serial }; phones that scan it now see a warning
venue-display-tags-failed = venue display: registering count tags failed: { $detail }
venue-revocation-unknown = warning: could not check whether this venue is revoked: { $detail }
venue-cert-expired = warning: this venue's certificate expired on { $until }: phones refuse its codes. Renew it with `venuecode venue update --renew --pledge` and print new posters.
venue-cert-expiring = warning: this venue's certificate expires on { $until } ({ $days } day(s) left): renew it with `venuecode venue update --renew --pledge` and print new posters.
restore-fetching = fetching the certificate of serial { $serial } from the server
venue-pledge-prompt = I pledge that this information is true (本人承诺所填信息真实). Type yes:
venue-display-new-cert = venue display: now signing under certificate serial { $serial } (was { $old })

## poster and display page (in the venue's language)

poster-title = Venue Check-in · 场所码
poster-category = Category: { $category }  ·  Region: { $region }
poster-subtitle = Privacy-preserving venue code · 隐私保护的场所登记
poster-instruction = Scan to check in · 扫码登记
poster-privacy = Your visit stays on your phone · 登记记录只保存在您的手机上
poster-no-phone = No smartphone? Staff will check you in · 没有智能手机？请工作人员代为登记
poster-footer = Certificate: { $serial }  ·  Issued: { $issued }  ·  Valid until: { $until }
display-title = Venue Check-in
display-scan = Scan to check in · 扫码登记. This code changes every few minutes.
display-lost = Lost contact with the display · 与显示程序失去联系: this code expires in
display-expired = This code has expired · 此码已失效
display-stopped-first = The display has stopped. Scan the printed poster or ask staff.
display-stopped-second = 显示程序已停止。请扫描张贴的场所码或联系工作人员。

## trust

trust-installed = installed
trust-unchanged = already installed
trust-updated = updated from sequence { $from }
trust-install-line = trust bundle sequence { $sequence } { $outcome } in { $home } (RA key { $key }, server { $server })
trust-show = trust bundle sequence { $sequence } issued { $issued }, signed by RA key { $key }
    RA keys: { $ra }
    HA signing keys: { $ha }
    HA encryption key: { $enc }
    server: { $server }
    codes: { $codes }

## authority commands

answer-yes = yes
ra-venue-about = { $name } ({ $category }), { $address }, region { $region }, key { $key }, serial { $serial }
ra-disable-confirm = Disable { $about } for good? Type yes:{ " " }
ra-disabled = disabled { $about }; phones warn when they scan it.
ra-disable-already = { $about } was revoked already; nothing was changed.
ra-disable-matches = { $count } venues' names hold “{ $name }”:
ra-disable-pick = Type the serial of the one to disable (nothing to stop):{ " " }
ha-initialised =
    created RA and HA keys in { $root }, and the signed trust bundle { $bundle }
    (sequence 1; server { $server }; codes { $codes }).
    Start the server with:
      venuecode server --data-dir DATA --ra-key { $root }/ra/ra.key --admin-key { $root }/ra/admin.pub --ha-keys { $root }/authority/ha-signing.pub --ha-encryption-key { $root }/authority/ha-encryption.pub --trust-bundle { $bundle }
    Ship the bundle with the app; on every other home (venue, visitor) install it:
      venuecode --home HOME trust install { $bundle }
    (or pass --trust-bundle { $bundle }, or set VENUECODE_TRUST_BUNDLE). Nothing trusts keys fetched from the server.
ha-tans-issued =
    purpose: { $purpose } ({ $about }); expires { $expires } ({ $hours } h); each works once.
    The TAN is shown only now; `authority tan list` names it by its id.
ha-purpose-case = a confirmed case shares her check-ins
ha-purpose-guestbook = a venue discloses its guest book
ha-purpose-seeds = a venue releases its rotating-code seeds
ha-checkpoint-posted = posted a checkpoint at batch { $sequence } issued { $issued } (batches from { $retained } still served)
ra-no-registrations = no registration is waiting for review
ra-registration-row = #{ $id }  { $name }  { $address }  region { $region }  { $category }  (key { $key })
ra-approved = approved registration { $id }: certificate serial { $serial } issued
ra-refused = refused registration { $id }
ha-mailbox-empty = the mailbox is empty
ha-uploads-count =
    { $count ->
        [one] 1 upload:
       *[other] { $count } uploads:
    }
ha-upload-context = upload { $id }
ha-tan-check-used = issued by this authority for a case; already used by this upload
ha-tan-check-unused = issued by this authority for a case; not used before
ha-tan-not-checked = not checked
ha-upload-deleted = deleted upload { $id }
ha-case-tan = TAN: { $check }
ha-case-tan-refused = TAN: REFUSED, nothing in it will be published: { $check }
ha-case-shared =
    a case shared { $count ->
        [one] 1 check-in:
       *[other] { $count } check-ins:
    }
ha-case-entry = { $venue } (serial { $serial }): { $stay }
ha-case-entry-refused = REFUSED, will not be published: { $reason }
ha-guestbook-entries =
    { $count ->
        [one] 1 guest-book entry:
       *[other] { $count } guest-book entries:
    }
ha-guestbook-entry = { $name } { $phone } at serial { $serial }: { $arrival } – { $departure }
ha-seeds-opened = the venue with key { $key } released seeds for { $days } (its local days)
ha-published = published batch { $sequence }: { $records } record(s) for { $stays } stay(s) from { $uploads } upload(s); checkpoint posted
ha-skipped = SKIPPED upload { $upload }: { $reason }
ha-skipped-entry = SKIPPED upload { $upload }, check-in { $entry }: { $reason }
ha-progress-posted-pending = posted batch { $sequence }, left pending by an interrupted publish
ha-progress-opening = opening upload { $upload } ({ $purpose })
ha-progress-stay-refused = SKIPPED a stay at serial { $serial }: { $reason }
ha-progress-sealing = deriving and sealing records for { $windows } new { $windows ->
        [one] window
       *[other] windows
    } ({ $before } published before)
ha-progress-window-refused = SKIPPED a window { $from }–{ $until }: { $reason }
ha-progress-signed = signed batch { $sequence } of { $records } { $records ->
        [one] record
       *[other] records
    }; posting
ha-progress-checkpoint = posted a checkpoint at batch { $sequence }
ha-waiting-for-lock = waiting for another authority command in this home to finish…
ha-missing-seed = warning: { $venue } (serial { $serial }) has not released its seed for { $day }; visitors who scanned its screen that day cannot be notified
ha-tans-server-unreachable = warning: the server could not be asked ({ $detail }); states are the ledger's
ha-no-tans = this authority has issued no TAN yet (authority tan --count N)
ha-tan-state-server = { $state } (server: { $server })
ha-tan-cancelled = cancelled TAN { $id }: the server refuses any upload with it
ha-holds-case =
    { $count ->
        [one] 1 check-in
       *[other] { $count } check-ins
    }: { $venues }
ha-venue-serial = { $venue } (serial { $serial })
ha-holds-guestbook =
    { $count ->
        [one] 1 guest-book entry
       *[other] { $count } guest-book entries
    } of serial { $serials }
ha-holds-seeds =
    a venue's seeds for { $count ->
        [one] 1 day
       *[other] { $count } days
    } (uploads open names its key)
ha-holds-unreadable = unreadable: { $reason }
col-id = id
col-purpose = purpose
col-arrived = arrived
col-bytes = bytes
col-holds = holds
col-issued = issued
col-expires = expires
col-state = state
col-region = region
col-category = category
col-active = active
col-revoked = revoked
col-date = date
col-batches = batches
col-records = records
col-visits = visits
stats-filter-region = region { $region }
stats-filter-category = category { $category }
stats-filter-between = { $from } to { $until }
stats-filter-from = from { $from }
stats-filter-until = until { $until }
stats-filtered = Filtered: { $filters }
stats-venues = Venues (current certificates)
stats-none = none
stats-exposures = Exposure batches, by the day they arrived (UTC)
stats-no-counts = Visits: this server does not count visits
stats-visits = Visits counted
stats-visits-by-date = Visits counted, by the venue's local date

## guest book

guests-recorded = recorded guest { $id } ({ $label }), sealed to the health authority
guests-count =
    { $count ->
        [one] 1 guest:
       *[other] { $count } guests:
    }
guests-open = (open)
guests-uploading =
    uploading { $count ->
        [one] 1 sealed entry
       *[other] { $count } sealed entries
    } …
guests-disclosed =
    disclosed { $count ->
        [one] 1 sealed entry
       *[other] { $count } sealed entries
    } to the health authority (upload { $upload })
guests-checked-out = checked out guest { $id } ({ $label }): { $stay }
guests-changed = changed guest { $id } ({ $label }): { $stay }
guests-copy-unaffected = the copy disclosed to the health authority in upload { $upload } is not affected
guests-deleted = deleted guest { $id }
guests-deleted-disclosed = deleted guest { $id } from this device; it was disclosed to the health authority in upload { $upload }, and that copy is not affected
guests-delete-disclosed = guest { $id } was disclosed to the health authority in upload { $upload }; deleting it here does not affect that copy
guests-delete-confirm = Delete guest { $id } ({ $label })? Type yes:{ " " }

## demo

demo-title = Venuecode demo — one machine, every role.
demo-authorities =
    The registration and health authorities made their keys and signed a trust bundle
    (sequence { $sequence }): the RA and HA keys every phone and venue installs with the app, never
    fetched from the server. The server runs at { $url } with an empty data directory.
    It will hold only venue certificates and opaque tokens.
demo-venues =
    Two venues registered, each signing its request with a key made on its own device:
    - 兰州牛肉面馆 (Lanzhou Beef Noodle House), serial { $noodle }, prints a poster;
    - 安宁区图书馆 (Anning District Library), serial { $library }, shows a rotating code on a screen.
demo-day-begins = The day begins ({ $day }; times are UTC on a simulated clock).
demo-alice = Alice
demo-bob = Bob
demo-carol = Carol
demo-dave = Dave
demo-carol-in = { $time }  Carol scans the noodle house poster and checks in.
demo-alice-in = { $time }  Alice checks in at the noodle house.
demo-out = { $time }  { $who } checks out.
demo-bob-in =
    { $time }  Bob checks in at the noodle house, after Carol left. He does not check out; his
    {"       "}phone does it for him after the venue's default stay ({ $departure }).
demo-carol-library = { $time }  Carol scans the library's screen; the code on it changes every few minutes.
demo-guest =
    { $time }  Wang Fang has no smartphone; staff record her in the guest book. Her name and phone
    {"       "}are sealed to the health authority at once; the library keeps only "{ $label }".
demo-dave-in = { $time }  Dave scans the library's screen.
demo-carol-out-library = { $time }  Carol checks out of the library.
demo-positive =
    { $time }  Carol tests positive. The health authority gives her a one-time TAN; her phone
    {"       "}seals her { $count } check-ins to the authority's key and uploads them with it.
demo-tan-once = {"       "}(Uploading again with the same TAN is refused: each TAN works once.)
demo-ha-opens = {"       "}The health authority opens the upload offline and sees:
demo-library-cooperates =
    {"       "}The library releases its screen seeds for { $days } day(s) and discloses its guest-book
    {"       "}entries ({ $entries }) for { $from }–{ $until }, each sealed to the authority.
demo-ha-phones-guest = {"       "}The authority reads the guest book and phones { $name } directly ({ $from }–{ $until }).
demo-published =
    { $time }  The authority checks each shared check-in (signatures; a stay of at most 12 hours,
    {"       "}not after the upload; a screen code only for the minutes it was shown), then
    {"       "}publishes batch { $sequence }: { $records } opaque records (16-byte tokens with 24-byte seals), chained to
    {"       "}the batch before it, and a signed checkpoint naming the newest batch.
    {"       "}The server sees neither the venues nor the times behind them.
demo-bob-why = his phone may hold tokens for the hours around { $time }, but his stay began after Carol's window ended, so the overlap is zero
demo-list-unverified = {"       "}{ $who }'s phone cannot vouch for the list: { $detail }
demo-exposure = { $time }  { $who }'s phone matches the list locally: ⚠ exposure at { $venue } — { $minutes } minutes of overlap.
demo-no-exposure = { $time }  { $who }'s phone finds no exposure: { $why }.
demo-list-complete =
    {"       "}Every phone checked the HA's signed checkpoint: the exposure list is complete up to
    {"       "}batch { $sequence }, nothing withheld, nothing stale.
demo-venue-notified = {"       "}The noodle house asks "has my venue been notified?" on its own device: { $answer }.
demo-yes = yes
demo-no = no
demo-server-venues = { $active } { $category } active in { $region }
demo-server-holds =
    What the server holds: public venue certificates ({ $venues }), one batch of { $records } opaque
    records, and sealed uploads only the health authority can open. No check-in, no name,
    no time of any visit.
demo-summary = Notified: { $notified }. Not notified: { $not_notified } (no overlap with the case).
demo-web-app-running = The server keeps running with the visitor web app. Open the noodle house's poster in a browser (the same code as the printed poster, on this server's /c):
    {"  "}{ $url }
    Press Ctrl-C to stop.
demo-web-app-stopped = The noodle house's poster on this server's web app: { $url }
    (the server has stopped; build the app with scripts/build-web.sh and run `venuecode demo --web-app web/dist` to keep it running and open that URL in a browser)
demo-posters = Posters are in { $dir }.
demo-poster = {"  "}poster: { $path }, .svg, .png
demo-bare-qr = {"  "}({ $detail }; wrote the bare QR code to { $path } instead of the poster)

## command descriptions (--help)

help = Venuecode: privacy-preserving venue check-in. Check-ins stay on the phone; the server holds only public venue certificates and opaque tokens
help-server = Run the server (registry, revocations, exposure batches, TAN uploads, counts, stats)
help-venue = Commands for a venue: register, print posters, display rotating codes, guest book
help-venue-register = Register the venue: makes its keys, asks the server for a certificate
help-venue-restore = Rebuild this venue on a new device from its recovery sheet: fetches the current certificate from the server and restores key, master seed, poster details and the guest book key. Install the trust bundle first
help-venue-collect = Fetch the certificate of a registration the server held for review, once the registration authority approved it
help-venue-update = Correct the venue's information: the server issues a new certificate (new serial) and supersedes the old one. Phones refuse the old posters after their next sync, with a message that points to the current poster; print new posters afterwards (a running `venue display` switches by itself). Fields not given stay as they are; the key and master seed stay too
help-venue-poster = Write the A4 poster as PDF, SVG and PNG
help-venue-code = Print the venue's code as a URL: the poster's static code, or the rotating code a screen would show now
help-venue-recovery-sheet = Write the private recovery sheet (master seed and venue key). Keep it locked away
help-venue-display = Serve the rotating-code page for a screen at the entrance
help-venue-guestbook = Assisted check-ins for people without a smartphone
help-venue-guestbook-add = Record a guest: name and phone are sealed to the health authority at once
help-venue-guestbook-checkout = Check out an open guest: seal the entry again with the departure
help-venue-guestbook-edit = Correct a guest's arrival, departure, name or phone (sealed again). A checked-out guest needs both --name and --phone: the device no longer keeps them
help-venue-guestbook-delete = Delete a guest from this device (a copy already disclosed stays with the authority)
help-venue-guestbook-list = List guests with masked labels
help-venue-guestbook-disclose = Disclose the sealed entries of a window to the health authority's mailbox
help-venue-notified = Has my venue been notified? Checks the published lists on this device
help-venue-release-seeds = Release rotating seeds for days the health authority asks for, sealed to it
help-venue-counts = Today's and cumulative check-in counts by the venue's local day, over the last 14 days by default (needs counts enabled on the server; registers the count tags first)
help-venue-count-tags = Register the venue's count tags for its local days from 14 days ago to tomorrow, so the server counts phones' check-in pings for it (and for no other venue). Run it daily (a `venue counts` registers too); the server must run with --counts
help-venue-revoke = Deactivate the venue's code
help-authority = Commands for the health authority (and the registration authority's admin)
help-authority-init = Create RA and HA keys in the home, and the signed trust bundle for clients (authority/trust-bundle.bin; also installed in this home)
help-authority-tan = Issue TANs (one-time upload codes): recorded in authority/tans.json (the authority publishes a case upload only if the TAN sealed in it is one it issued there), their hashes registered with the server. `tan list` shows the TANs issued, `tan cancel` cancels one
help-authority-tan-list = List the TANs this authority issued (from authority/tans.json): id, purpose, issued, expires and state (unused, used, expired, cancelled), and what the server says of the ones the ledger still counts as unused (an upload it holds but that was not published yet shows as used there). The TAN itself is shown only when it is issued; a TAN is named here by its id, the start of its hash
help-authority-tan-cancel = Cancel a TAN that was not used, so that no upload can use it any more (a TAN handed to the wrong person, or lost): the server refuses an upload with it (410 tan_cancelled), and the ledger marks it cancelled
help-authority-uploads = The upload mailbox
help-authority-uploads-list = List the mailbox: each upload's id, purpose, when it arrived (this device's zone), its size and what it holds as far as this authority can open it (the venues a case checked in at, the serials of a guest book, the key of a seed release)
help-authority-uploads-open = Open an upload and show what it holds
help-authority-uploads-delete = Delete an upload
help-authority-publish = Publish exposures: open the mailbox, check every upload and shared check-in on its own (a bad one is reported and skipped), derive records for the shared stays, sign the next batch of the chain, post it, then post a fresh checkpoint
help-authority-checkpoint = Sign and post a fresh checkpoint of the batch chain without a new batch, so phones can tell the list is complete and current (run it on a schedule, e.g. hourly from cron)
help-authority-disable = Disable a venue's code for good (registration authority admin): phones warn when they scan it and the venue key cannot register again. Give its serial, or `--name` and a part of its name (several matches: pick one, or narrow the name). Shows the venue (name, address, region, key id, serial) and asks to confirm; `--yes` skips the question (required when stdin is not a terminal)
help-authority-registrations = List the venue registrations waiting for review (server run with `--review-registrations`; registration authority admin)
help-authority-approve = Approve a registration waiting for review: the server issues its certificate
help-authority-refuse = Refuse a registration waiting for review
help-authority-stats = Statistics, as tables: venues by region and category, exposure batches by the day they arrived, and counted visits by region, category and day (when the server counts visits). Regions are named from the GB/T 2260 table (a code it does not hold is shown bare). Filters narrow every table they apply to: the region and category filters apply to venues and visits, the dates to exposures and visits
help-visitor = Commands for a visitor, as a phone app would run them
help-visitor-scan = Scan a code (URL, digits, or a PNG/JPEG photo) and check in
help-visitor-checkout = Check out of the current venue
help-visitor-diary = Show the diary
help-visitor-exposures = List the exposures this phone raised and the person has not dismissed (high risk first marked as such), with the overlap and the health authority's advice
help-visitor-dismiss = Dismiss an exposure once read and acted on: it is no longer listed
help-visitor-edit = Edit an entry's arrival and departure
help-visitor-hide = Hide, show or delete an entry
help-visitor-sync = Fetch revocations and exposure lists and match them on this device, and say whether the list is complete. Exit status: 0 when synced (a stale list, a refused revocation list or trust bundle are warnings on the output); 4 when the server withheld batches (exposures in them cannot be checked); 1 when revocations, the checkpoint or the batches could not be fetched
help-visitor-share = Share check-ins after a positive test. Lists what will be sent and what is left out, then asks to confirm (--yes for scripts); hidden entries stay out unless named with --include-hidden. The TAN is read case-insensitively, spaces and dashes ignored; a typo is reported before anything is sent
help-trust = The trust bundle: the authority keys this home trusts (no trust on first use)
help-trust-install = Install a trust bundle in this home. The first bundle must verify on its own (signed by one of its own RA keys); over an installed bundle only an update signed by one of the installed RA keys, with a higher sequence, is accepted. Every role (visitor, venue, authority) reads the authority keys from this bundle and nowhere else
help-trust-show = Show the installed trust bundle: sequence, keys and URLs
help-demo = Run the whole flow on this machine with an embedded server, and tell the story

## clap's own words in `--help`.
clap-usage = Usage:
clap-commands = Commands
clap-arguments = Arguments
clap-options = Options
clap-help = Print help
clap-version = Print version
clap-help-command = Print this message or the help of the given subcommand(s)
clap-possible-values = [possible values: { $values }]
clap-default = [default: { $value }]
clap-env = [env: { $name }]
clap-invalid-value = invalid value `{ $value }` for { $arg }; one of: { $valid }
clap-empty-value = { $arg } needs a value
clap-value-refused = invalid value `{ $value }` for { $arg }: { $detail }
clap-unknown-argument = unexpected argument { $arg }
clap-unknown-command = unknown command `{ $command }`
clap-missing-argument = required arguments were not given: { $arg }
clap-missing-command = a command is needed
clap-conflict = { $arg } cannot be used with { $other }
clap-try-help = For more information, try '--help'.

## Each argument's help (`help-<command path>--<argument>`), and the examples after a
## command's help where they hold words besides commands (`examples-<command path>`).
help--home = State directory for keys and data (one folder per role inside)
help--server = The Venuecode server (default: the server URL of the installed trust bundle, else http://127.0.0.1:8080)
help--ca-file = Trust the CA certificate(s) in this PEM file for the server's HTTPS certificate, for a health authority that runs its own PKI (instead of the public web roots)
help--insecure-http = Allow plain http:// to a server on another machine. Everything, TANs included, then travels unencrypted and unauthenticated: for drills on a closed network only. Plain HTTP to this machine (127.0.0.1, [::1], localhost) needs no flag
help--tz = Show and read times in this time zone: an offset (`+08:00`, `UTC`) or a zone name (`Asia/Shanghai`). Default: the TZ environment variable, else the system's zone. Times of a venue (check-ins, guest book, certificates) are shown in the venue's zone
help--now = Pretend the clock shows this time (`2026-11-25 14:05`, in the device's zone unless an offset such as `+08:00` or `UTC` follows), for drills and tests. Signed requests to the server always use the real clock; times the server reports (an upload's arrival) are read on the same simulated timeline
help--json = Print machine-readable JSON instead of text. A failure then prints `{"{"}"error": {"{"}"code": "...", "message": "..."{"}"}{"}"}` on standard error (codes: ERRORS.md)
help--lang = The language of messages: `en` or `zh-CN`. Default: the locale (LC_ALL, LC_MESSAGES, LANG: `zh*` gives zh-CN, anything else en)
examples =
    Examples (one machine, one home per role):
      venuecode --home /tmp/ha authority init
      venuecode server --data-dir /tmp/srv --ra-key /tmp/ha/ra/ra.key \
          --ha-keys /tmp/ha/authority/ha-signing.pub \
          --ha-encryption-key /tmp/ha/authority/ha-encryption.pub --admin-key /tmp/ha/ra/admin.pub \
          --trust-bundle /tmp/ha/authority/trust-bundle.bin
      venuecode --home /tmp/shop trust install /tmp/ha/authority/trust-bundle.bin
      venuecode --home /tmp/shop venue register --name 兰州牛肉面 --address 安宁区1号 \
          --region 620105 --category restaurant --pledge
      venuecode --home /tmp/shop venue poster --out ./poster
      venuecode --home /tmp/alice visitor scan 'https://vc.example/c#0123...'
      venuecode demo
help-server--listen = Address to listen on (port 0 picks a free port)
help-server--metrics-listen = Address of the operator's metrics listener, which serves `GET /metrics` (OpenMetrics) and `GET /healthz` in plain HTTP, apart from the public listener and its limits. Without it, metrics are not served at all. Keep it on loopback or a private network: the counters show when cases upload. A non-loopback address needs `--metrics-allow-remote`
help-server--metrics-allow-remote = Let `--metrics-listen` be an address other hosts can reach (a private network, or all interfaces in a container whose port is not published); the server refuses one at start-up without it. Metrics are plain HTTP without authentication: firewall the port
help-server--data-dir = Directory holding the database; created if missing. Unused (but still required) when `--postgres-url` is given
help-server--postgres-url = Store everything in this PostgreSQL database instead of the embedded redb store, so that several server replicas can share it (`postgres://user@host:port/dbname`, or a `key=value` connection string; no TLS). The schema is created if missing
help-server--postgres-connections = Most connections this server opens to PostgreSQL at once
help-server--ra-key = File with the registration authority's Ed25519 signing key (`venuecode ed25519 secret key`, then the RFC 8032 seed in hex). The server signs certificates and revocation lists with it
help-server--admin-key = File with the RA administrator's Ed25519 public key (`venuecode ed25519 public key`, then the key in hex), which signs disable requests. Without it, the admin routes refuse every request. A secret-key file is refused
help-server--ha-keys = File(s) with trusted health-authority Ed25519 public keys (`venuecode ed25519 public key`, then one key in hex per line). Repeat the flag, or separate paths with commas in the variable. A secret-key file is refused
help-server--ha-encryption-key = File with the HA's X25519 public key (`venuecode x25519 public key`, then the key in hex), published at `/v1/authority` so that clients can seal uploads to it. A secret-key file is refused
help-server--trust-bundle = File with the signed trust bundle (`authority init` writes `trust-bundle.bin`) that `GET /v1/trust-bundle` serves. It must decode and verify on its own (signed by one of its RA keys), else the server refuses to start. Without it, that route answers 404
help-server--retention-days = Days batches, uploads, TANs and counts are kept
help-server--batch-retention-margin-hours = Hours exposure batches are kept beyond the retention period. A phone holds the HA's checkpoint, whose `retained_from` names the oldest batch it expects to be served; a batch deleted before the HA's next checkpoint would be missing for it. Set this to at least the interval between the HA's checkpoints
help-server--certificate-days = Days an issued venue certificate is valid
help-server--counts = Accept count pings and answer count queries (off by default)
help-server--request-timeout-ms = Longest time one request may take, in milliseconds (answered with 408)
help-server--max-concurrency = Requests processed at once; more are shed with 503
help-server--max-write-concurrency = Requests with a body (POST, PUT, DELETE) processed at once, apart from the reads that `--max-concurrency` counts; more are shed with 503. Slow uploaders can take only these
help-server--max-connections = Client connections open at once, TLS handshakes included; a connection over it is closed at once. With a reserve for the store and logs, this sets the file descriptors the server needs: it raises its RLIMIT_NOFILE to fit at start-up, or refuses to start
help-server--max-connections-per-ip = Client connections one address (IPv6: one /64) may hold open at once; more are closed at once. Behind a reverse proxy every connection comes from the proxy: set it to `--max-connections` there and let the proxy cap its clients
help-server--header-timeout-ms = Longest time, in milliseconds, a connection may take to send a whole request head, counted from its start or from the end of its previous response (so also the idle keep-alive deadline); then it is closed
help-server--max-header-bytes = Largest request head (request line and headers) in bytes, at most 65536; larger heads are answered 431 and the connection closed
help-server--min-body-rate = Slowest a request body may arrive, in bytes per second on average after the first `--body-grace-ms`; a slower body is answered 408
help-server--body-grace-ms = Milliseconds a request body may take before `--min-body-rate` applies
help-server--linger-ms = Milliseconds a connection closed after an answer keeps reading and dropping what its client still sends (the rest of a refused body), so that the client reads the answer instead of a reset; then it is closed
help-server--linger-bytes = Most bytes a connection closed after an answer reads and drops before it is closed anyway. A refused body larger than this may reach its client as a reset, not the answer
help-server--max-body-bytes-in-flight = Bytes of request bodies the server holds at once, over all requests (a body counts from its announced length, or its route's limit when it has none, until its request is answered); beyond it, requests with bodies are shed with 503
help-server--registrations-per-ip-per-hour = Venue registrations one address (IPv6: one /64) may make per hour (all of them at once at first, then one every 60/N minutes)
help-server--registrations-per-minute = Venue registrations the whole server accepts per minute (all of them at once at first)
help-server--review-registrations = Hold new venue registrations until the RA administrator approves them (`venuecode authority registrations`, `approve`, `refuse`); the venue fetches its certificate then
help-server--rate-per-minute = Requests per minute one IP address may make to the public write routes (uploads, counts)
help-server--rate-burst = Requests one IP address may make in a burst to the public write routes
help-server--client-ip-header = Behind a trusted reverse proxy, the header that carries the client address (for example `x-forwarded-for`; its last entry is used, the one the proxy added). Only for the per-address limits (rate limits, registrations, the wait after a large signed body failed its signature); without it, the peer address of the connection is used
help-server--max-batch-bytes = Largest exposure batch accepted, in bytes
help-server--max-upload-bytes = Largest upload accepted, in bytes
help-server--batch-cache-bytes = Bytes of recently served exposure batches kept in memory (0 turns the cache off)
help-server--tls-cert = PEM file with the server's TLS certificate chain, leaf first. With `--tls-key`, the server speaks HTTPS itself; without both, plain HTTP (on loopback, or behind a reverse proxy that terminates TLS)
help-server--tls-key = PEM file with the private key of `--tls-cert` (PKCS#8, SEC1 or RSA; keep it mode 0600)
help-server--web-app = Directory of the built visitor web app (`scripts/build-web.sh` writes `web/dist/`), served at `--web-app-path`, the path of the trust bundle's code base URL, so that a venue code opened by a phone's camera lands in the app. Read once at start-up. The trust bundle of `--trust-bundle` is served beside it as `trust.bundle`. Without it, that path answers 404 with a page saying the app is not installed
help-server--web-app-path = Path the web app is served at: the path of the code base URL (`https://vc.example/c` gives `/c`), without a trailing slash
help-server--retention-interval-secs = Seconds between retention passes
examples-server =
    Examples:
      venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \
          --trust-bundle trust-bundle.bin   # served at /v1/trust-bundle for rotation
      # The visitor web app at the code base path (scripts/build-web.sh writes web/dist):
      venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \
          --trust-bundle trust-bundle.bin --web-app web/dist --web-app-path /c
      # HTTPS on its own (PEM files; the key as PKCS#8, SEC1 or RSA):
      venuecode server --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key key.pem \
          --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub
      # Metrics for Prometheus on a loopback port of their own (never on the public one):
      venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \
          --metrics-listen 127.0.0.1:9464
    Without --tls-cert/--tls-key the server speaks plain HTTP: keep it on 127.0.0.1 behind a reverse
    proxy that terminates TLS (see README.md, "TLS"); every connection then comes from the proxy, so
    give --max-connections-per-ip the value of --max-connections.
help-venue--trust-bundle = Install this trust bundle into the home before the command runs: the first bundle, or an update signed by an RA key of the installed one with a higher sequence (anything else is refused). `authority init` writes it as authority/trust-bundle.bin
help-venue-register--name = Venue name as on the door (Chinese)
help-venue-register--address = Detailed address (Chinese)
help-venue-register--region = Six-digit administrative division code, e.g. 620105
help-venue-register--category = Category: medical, pharmacy, restaurant, mall, school, … (see `--help`)
help-venue-register--stay = Minutes after which phones check out automatically (15 to 720)
help-venue-register--utc-offset = The venue's UTC offset, ±HH:MM in quarter hours from -12:00 to +14:00 (stored in the certificate; rotating codes change at the venue's local midnight)
help-venue-register--english-name = English name for the poster
help-venue-register--english-address = English address for the poster
help-venue-register--pledge = I pledge that this information is true (asked interactively when omitted)
help-venue-register--base-url = Base URL the codes point at: https://, a host and a path, no fragment (default: the trust bundle's code base URL)
help-venue-restore--sheet = The recovery sheet (`venue recovery-sheet` wrote it; a typed copy works too)
help-venue-update--name = New venue name (Chinese)
help-venue-update--address = New detailed address (Chinese)
help-venue-update--region = New six-digit administrative division code
help-venue-update--category = New category
help-venue-update--stay = New automatic check-out after this many minutes (15 to 720)
help-venue-update--utc-offset = New UTC offset, ±HH:MM in quarter hours (e.g. +08:00, +05:45, -03:30)
help-venue-update--english-name = New English name for the poster
help-venue-update--english-address = New English address for the poster
help-venue-update--base-url = New base URL for the codes (https://, a host and a path, no fragment); reprint the posters afterwards
help-venue-update--renew = Ask for a new certificate even if nothing changed: renews one that is about to expire (certificates last a year; posters need reprinting either way)
help-venue-update--pledge = I pledge that this information is true (asked interactively when omitted)
help-venue-poster--out = Output path without extension
help-venue-poster--dpi = PNG resolution
examples-venue-poster =
    Example:
      venuecode --home ./shop venue poster --out ./print/poster   # poster.pdf, .svg, .png
help-venue-code--rotating = The rotating code for now instead of the static one
help-venue-recovery-sheet--out = Output file
help-venue-display--listen = Address to listen on. Loopback by default; on any other address, the display answers only requests carrying the access token it prints in the screen's URL (anyone who can fetch its codes can check in from elsewhere: keep that URL private)
examples-venue-display =
    Examples:
      venuecode --home ./library venue display   # open the printed URL full-screen on this machine
      venuecode --home ./library venue display --listen 192.168.1.20:8090   # a screen on the local network: open the printed URL, token included
help-venue-guestbook-add--name = The guest's name
help-venue-guestbook-add--phone = The guest's phone number
help-venue-guestbook-add--arrival = Arrival (default now), in the venue's zone unless an offset follows (`09:30`, `2026-11-25 09:30`, `09:30+08:00`)
help-venue-guestbook-add--departure = Departure, read like --arrival. Without it the guest stays open (expected to leave after the venue's default stay) until `guestbook checkout`
help-venue-guestbook-checkout--id = The entry id (`guestbook list` shows them)
help-venue-guestbook-checkout--departure = Departure (default now), in the venue's zone unless an offset follows
help-venue-guestbook-edit--id = The entry id (`guestbook list` shows them)
help-venue-guestbook-edit--arrival = New arrival, read like `add --arrival`
help-venue-guestbook-edit--departure = New departure, read like `add --arrival`
help-venue-guestbook-edit--name = The guest's name
help-venue-guestbook-edit--phone = The guest's phone number
help-venue-guestbook-delete--id = The entry id (`guestbook list` shows them)
help-venue-guestbook-delete--yes = Delete without asking to confirm (for scripts)
help-venue-guestbook-disclose--tan = TAN the health authority gave the venue
help-venue-guestbook-disclose--from = Window start
help-venue-guestbook-disclose--until = Window end
help-venue-notified--days = Days to look back
help-venue-release-seeds--tan = TAN the health authority gave the venue
help-venue-release-seeds--days = Days to release (`2026-11-24`), comma-separated
help-venue-counts--days = Days back for the cumulative count
examples-venue-count-tags =
    Example:
      venuecode --home ./shop venue count-tags
      # crontab: 5 0 * * * venuecode --home /srv/shop venue count-tags
help-venue-revoke--yes = Confirm
help-authority--trust-bundle = Install this trust bundle into the home before the command runs: the first bundle, or an update signed by an RA key of the installed one with a higher sequence (anything else is refused). `authority init` writes it as authority/trust-bundle.bin
help-authority-init--server-url = The server URL the bundle names (https://…; http:// only to a loopback host)
help-authority-init--code-base-url = The base URL of venue-code QR URLs the bundle names
help-authority-tan--purpose = What the TAN allows
help-authority-tan--count = How many
help-authority-tan--valid-hours = Hours until they expire
help-authority-tan-list--offline = Do not ask the server; the ledger only
help-authority-tan-cancel--id = The TAN's id from `authority tan list` (at least 6 hex digits), or the TAN itself
help-authority-uploads-open--id = Upload id
help-authority-uploads-delete--id = Upload id
help-authority-publish--uploads = Upload ids to publish (default: every case upload in the mailbox); an id the mailbox does not hold is an error, and nothing is published. Windows published before (recorded in `authority/published.json`) are never published again
help-authority-publish--windows = A window the tracer chose, `SERIAL,FROM,UNTIL` (times as `2026-11-25 14:05`, in the device's zone unless an offset such as `+08:00` follows); repeat for several. It replaces the shared stays at that venue; venues not named keep the stays the case shared
help-authority-publish--risk = Risk level
help-authority-publish--message = The message phones show (must be generic: it is public)
help-authority-publish--delete = Delete the uploads once published
help-authority-publish--retention-days = The server keeps batches this many days: the same as its `--retention-days` (the same variable sets both). The checkpoint tells phones which batches are no longer served; a shorter period than the server's makes them skip batches it still serves, a longer one makes them warn that batches are withheld. Both commands ask the server for its period first and post nothing when it differs
help-authority-checkpoint--retention-days = The server keeps batches this many days: the same as its `--retention-days` (the same variable sets both). The checkpoint tells phones which batches are no longer served; a shorter period than the server's makes them skip batches it still serves, a longer one makes them warn that batches are withheld. Both commands ask the server for its period first and post nothing when it differs
examples-authority-checkpoint =
    Example:
      venuecode --home ./ha authority checkpoint
      # crontab: 0 * * * * venuecode --home /srv/ha authority checkpoint
help-authority-disable--serial = The certificate serial
help-authority-disable--name = Find the venue by a part of its name (any case) instead of its serial
help-authority-disable--yes = Do not ask; disable at once (for scripts)
help-authority-approve--id = The registration's number, from `authority registrations`
help-authority-refuse--id = The registration's number, from `authority registrations`
help-authority-stats--region = Only this province (44 or 440000) or prefecture (4403 or 440300), GB/T 2260
help-authority-stats--category = Only this venue category (restaurant, pharmacy, …)
help-authority-stats--from = Only days from this date on (YYYY-MM-DD)
help-authority-stats--until = Only days up to this date, included (YYYY-MM-DD)
help-visitor--trust-bundle = Install this trust bundle into the home before the command runs: the first bundle, or an update signed by an RA key of the installed one with a higher sequence (anything else is refused). `authority init` writes it as authority/trust-bundle.bin
help-visitor-scan--code = The scanned URL or digits
help-visitor-scan--image = A photo of the code instead
help-visitor-scan--preview = Only show the preview; do not check in
help-visitor-scan--stay = How long you expect to stay, in minutes (15 to 720): the automatic check-out (default: the venue's usual stay). `visitor edit` corrects it later
help-visitor-diary--all = Include hidden entries
help-visitor-exposures--all = Include dismissed exposures
help-visitor-dismiss--id = Exposure id (from `exposures`)
help-visitor-edit--id = Entry id (from `diary`)
help-visitor-edit--arrival = New arrival, in the device's zone unless an offset follows (`10:15`, `2026-11-25 10:15`, `10:15+08:00`)
help-visitor-edit--departure = New departure, read like --arrival
help-visitor-hide--id = Entry id
help-visitor-hide--unhide = Show it again instead
help-visitor-hide--delete = Delete it for good
examples-visitor-hide =
    Example:
      venuecode --home ./alice visitor hide 3   # --unhide, or --delete
help-visitor-share--tan = The TAN from the health authority
help-visitor-share--from = Start of the infectious window (default 14 days ago), in the device's zone unless an offset follows
help-visitor-share--exclude = Entry ids to leave out
help-visitor-share--include-hidden = Hidden entry ids to send after all (hidden entries are left out otherwise)
help-visitor-share--preview = Only list what would be sent; send nothing
help-visitor-share--yes = Send without asking to confirm (for scripts)
help-trust-install--file = The bundle file (`authority init` writes authority/trust-bundle.bin)
help-demo--out = Where the demo writes posters
help-demo--web-app = Serve the built visitor web app from this directory (`scripts/build-web.sh` writes `web/dist`) at the server's /c, and keep the server running after the story so that the printed poster URL opens in a browser
help-demo--listen = The address of the demo's server (port 0 picks a free port)
clap-examples = Examples:

## Times, zones, base URLs and categories people type, refused.
time-bad-date = `{ $text }` is not a date like 2026-11-25
time-out-of-range = `{ $text }` is out of range
time-bad-time = `{ $text }` is not a time like 2026-11-25 14:05 or 14:05
time-bad-time-in-zone = `{ $text }` is not a time like 2026-11-25 14:05 or 14:05 (in { $zone }), optionally with an offset such as 14:05+08:00
time-zone-ambiguous = `{ $text }`: the zone `{ $abbreviation }` is ambiguous or unknown (CST, for one, names China, US Central and Cuba time); write an offset such as 09:30+08:00, or leave it out for { $zone }
time-zone-not-in-database = time zone `{ $zone }` is not in this system's time zone database; give an offset such as +08:00
time-zone-unreadable = `{ $zone }` is not a time zone this can read: give an offset such as +08:00, UTC, or a zone name such as Asia/Shanghai (abbreviations such as CST name several zones)
base-url-refused = `{ $url }` cannot be a base URL for codes: { $reason } (example: https://vc.example.cn/c)
base-url-not-https = it must start with https:// (http:// only to 127.0.0.1, [::1] or localhost, for a drill on one machine)
base-url-spaces = it contains spaces or control characters
base-url-fragment = it has a fragment (#…), where the code's digits go
base-url-no-host = it has no host
base-url-user = it carries a user name
base-url-bad-host = its host is not a host name
base-url-no-path = it has no path after the host, such as /c
venue-pending-no-request = it holds no registration request
venue-pending-other-key = it is not the key of the registration held for review
category-unknown = unknown category `{ $category }`; one of: { $all }
