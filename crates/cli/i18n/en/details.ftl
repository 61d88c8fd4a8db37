# Venuecode CLI messages, English: the reasons inside the sentences of venuecode.ftl, worded
# from the libraries' typed errors so that no sentence of another language quotes English.
# Every message here has its twin in zh-CN/details.ftl with the same variables (checked by a
# test). Ids: protocol-* are the protocol crate's error codes, reason-* the client library's
# reasons, network-* and io-* the kinds of network and file failures, why-* the authority
# library's errors, key-* the key files' errors. The English text of protocol-*, reason-* and
# why-* is the libraries' own (a test checks it word for word).
# `$more` carries a library's free English text (an OS or parser message): it is given in an
# English run only, and empty in the others.

## The protocol's errors

protocol-truncated = input ended early
protocol-trailing-bytes = unexpected bytes after the end of the structure
protocol-empty = input is empty
protocol-too-large = a length or count exceeds its limit
protocol-unsupported-version = unsupported version { $found }
protocol-unknown-code-kind = unknown code kind { $found }
protocol-invalid-utf8 = text field is not valid UTF-8
protocol-non-canonical = encoding is not canonical
protocol-value-out-of-range = a field is out of its allowed range
protocol-invalid-url = not a venue code URL
protocol-invalid-public-key = invalid public key encoding
protocol-weak-public-key = public key has small order
protocol-non-contributory = key exchange with a low-order point
protocol-unknown-key-id = key id is not trusted
protocol-certificate-signature-invalid = venue certificate signature is invalid
protocol-venue-signature-invalid = venue code signature is invalid (forged or swapped seed)
protocol-batch-signature-invalid = exposure batch signature is invalid
protocol-batch-digest-mismatch = exposure records do not match the signed digest
protocol-revocation-list-signature-invalid = revocation list signature is invalid
protocol-request-signature-invalid = request signature is invalid
protocol-request-timestamp-out-of-window = request timestamp outside the allowed window
protocol-seed-release-signature-invalid = seed release signature is invalid
protocol-certificate-not-yet-valid = venue certificate is not yet valid
protocol-certificate-expired = venue certificate has expired
protocol-code-stale = rotating code has expired; scan the screen again
protocol-code-validity-invalid = rotating code validity is inconsistent
protocol-revoked = venue code has been deactivated
protocol-superseded = this poster was replaced by the venue; scan its current poster
protocol-open-failed = ciphertext failed to open
protocol-rollback = refused an older version of data already held (rollback)
protocol-revocation-gap = revocation list does not continue from the held cursor
protocol-batch-chain-broken = exposure batch does not extend the batch chain
protocol-checkpoint-signature-invalid = checkpoint signature is invalid
protocol-claim-outside-display-window = check-in time lies outside the rotating code's display window
protocol-trust-bundle-signature-invalid = trust bundle signature is invalid
protocol-invalid-argument = invalid argument{ $more }
protocol-randomness-unavailable = system randomness unavailable

## The client library's reasons

reason-departure-before-arrival = the departure must be after the arrival
reason-arrival-in-future = arrival is in the future
reason-arrival-too-early = arrival too long before the scan
reason-stay-too-long = stay longer than the longest stay
reason-url-unparsable = it does not parse as a URL like https://venuecode.example
reason-url-without-host = it has no host; write it like https://venuecode.example
reason-url-with-user-info = it holds a user name or password, which the API never uses; remove them
reason-url-with-query = it has a query or fragment; give only scheme, host, port and path
reason-url-scheme = its scheme is not https:// (or http:// to this machine)
reason-too-many-revocation-pages = too many revocation pages
reason-revocation-page-without-progress = a revocation page without progress
reason-registration-response = registration response
reason-revoke-response = revoke response
reason-body-too-large = body exceeds its size limit
reason-json-mismatch = JSON does not match the API
reason-diary-too-large = the diary is too large to store
reason-too-many-entries = too many entries
reason-too-many-exposures = too many exposures
reason-too-many-revocations = too many revocations
reason-too-many-count-pings = too many count pings
reason-phone-shape = a phone number is a mainland mobile number (11 digits, 13… to 19…) or an international one starting with + and the country code
reason-open-entry-needs-guest = an open entry needs its guest
reason-name-too-long = the name is too long
reason-phone-too-long = the phone number is too long
reason-nothing-to-change = nothing to change: give an arrival, departure, name or phone
reason-window-empty = the window is empty
reason-too-many-guests = more than 10,000 guests in the window; disclose it as shorter windows
reason-venue-key-mismatch = venue key does not match the certificate
reason-no-day-to-release = no day to release
reason-count-tag-days = count tags can be registered only from 14 days ago to tomorrow
reason-no-day-to-register = no day to register
reason-tan-shape = a TAN is 10 to 64 printable ASCII characters
reason-stay-length = the length of stay is 15 to 720 minutes
reason-infectious-window-empty = the infectious window is empty
reason-entry-outside-window = a selected entry is not in the infectious window

## Network and file failures

network-at = { $server }: { $reason }
network-refused = connection refused
network-timed-out = timed out
network-name-not-resolved = its host name does not resolve
network-certificate-refused = the server's TLS certificate is not trusted
network-tls = TLS failed
network-broken = the connection was reset or broke off
network-other = the exchange failed{ $more }
io-not-found = not found
io-permission-denied = permission denied
io-already-exists = already exists
io-storage-full = the disk is full
io-other = input/output error{ $more }

## The authority library's errors

why-file = { $path }: { $reason }
why-corrupt-state = { $path }{ $more }
why-request = { $step }: { $detail }
step-registering-tans = registering TANs
step-cancelling-the-tan = cancelling the TAN
step-posting-the-checkpoint = posting the checkpoint
step-other = a request
why-bad-answer = { $what }{ $more }
answer-tan-status = TAN status
answer-upload-listing = upload listing
answer-batch-response = batch response
answer-venue-search = venue search
answer-registrations = registrations
answer-statistics = statistics
answer-certificate = certificate
answer-other = an answer
why-unknown-purpose = unknown upload purpose `{ $purpose }`
why-upload-undecodable = does not decode: { $detail }
why-upload-unopenable = does not open: { $detail }
why-seed-release-invalid = does not open or its venue signature does not verify: { $detail }
why-tan-unknown = not authorised by a TAN this authority issued (the TAN sealed in it is unknown)
why-tan-not-for-case = not authorised by a TAN this authority issued for a case (the TAN sealed in it was issued for { $purpose })
why-tan-replayed = the TAN sealed in it was already used by upload { $by }: a replay, not authorised by a TAN this authority issued
why-tan-used = the TAN sealed in it was already used
why-tan-cancelled = the TAN sealed in it was cancelled by this authority; nothing in it is published
why-tan-id-unknown = no TAN issued by this authority has the id `{ $id }` (give at least { $min } hex digits of an id from `authority tan list`, or the TAN itself)
why-tan-id-ambiguous = the id `{ $id }` matches { $count } TANs ({ $matches }): give more digits
why-tan-already-used = TAN { $id } was already used by an upload; it cannot be cancelled (delete or leave out the upload instead)
why-tan-already-cancelled = TAN { $id } was cancelled before
why-code-invalid = the venue code does not verify: { $detail }
why-claim-invalid = the claim does not hold ({ $detail }): { $minutes } minutes from minute { $arrival } received at minute { $received }
why-empty-window = the window for venue { $serial } is empty
why-no-check-in-at-venue = no case upload shares a check-in at venue { $serial }
why-chain-mismatch = the batch does not extend this authority's chain
why-batch-kept-pending = posting the batch (kept in { $path }; the next publish posts it again): { $detail }
why-nothing-to-publish =
    { $skipped ->
        [0] no case upload to publish
       *[other] no case upload to publish ({ $skipped } upload(s) or check-in(s) skipped, see above)
    }
why-nothing-new = nothing new to publish: all { $windows } window(s) from these uploads were published before
why-all-windows-refused = every window was refused; nothing published
why-region-not-a-filter = `{ $text }` is not a region to filter by: give a province (44 or 440000) or a prefecture (4403 or 440300) of GB/T 2260
why-region-not-in-table = region { $code } is not in the GB/T 2260 table of provinces and prefectures
why-unknown-category = `{ $slug }` is not a venue category (one of: { $slugs })
why-date-range = the date range starts after it ends: from { $from } until { $until }
why-uploads-missing = the mailbox holds no upload { $ids }; nothing published (see `authority uploads list`)
why-retention-mismatch = the server keeps exposure batches for { $server } days but this authority was told { $ours }; nothing was posted (give --retention-days { $server }, or set VENUECODE_RETENTION_DAYS={ $server })
why-key-exists = { $path } already exists; refusing to overwrite a key (move it away first)
why-invalid-url = the { $what } `{ $url }` cannot go in the trust bundle: { $detail } (https://…, or http:// only to 127.0.0.1, [::1] or localhost)
url-server = server URL
url-code-base = code base URL
skipped-venue = { $venue } (serial { $serial }): { $detail }

## Certificates the server issued, and private CAs

certificate-undecodable = certificate: { $detail }
certificate-unverified = the certificate from the server does not verify: { $detail }
certificate-other-than-asked = the server certified something other than what was asked
certificate-same-serial = the server answered the update with the same certificate serial
ca-unreadable = { $file }: { $reason }
ca-not-pem = { $file }: not PEM
ca-no-certificate = { $file } holds no certificate (expected PEM "BEGIN CERTIFICATE" blocks)
ca-unusable = { $file }: unusable CA certificate

## Key files

key-unreadable = cannot read key file { $path }{ $more }
key-unlabelled = key file { $path } has no label line; expected { $expected } (first line `{ $label }`, then the key in hex)
key-secret-for-public = key file { $path } is a SECRET key ({ $found }); give the matching .pub file ({ $expected })
key-wrong-kind = key file { $path } holds { $found }; expected { $expected }
key-bad-line = key file { $path }: line { $line } is not 64 hex digits
key-wrong-count-secret = key file { $path } holds { $found } keys; a secret-key file holds exactly one
key-wrong-count-public = key file { $path } holds { $found } keys; a public-key file holds at least one
key-kind-ed25519-public = an Ed25519 public key
key-kind-ed25519-secret = an Ed25519 secret key
key-kind-x25519-public = an X25519 public key
key-kind-x25519-secret = an X25519 secret key
key-kind-symmetric-secret = a symmetric secret key
key-kind-venue-master-seed = a venue master seed
