/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gattd/client.h: the C client library for gattd's local socket protocol.
 *
 * gattd serves GATT characteristics over BlueZ; local programs read and set their
 * values, watch what centrals do and take the writes queued for Capture=
 * characteristics over a Unix socket speaking newline-delimited JSON
 * (README.md, "Local client protocol"). This library is that protocol's client side, in two layers:
 *
 *  - the raw layer (send / process / pop_message) for programs with their own main
 *    loop: poll() gattd_client_get_fd() for POLLIN, call gattd_client_process(),
 *    then pop the complete lines that arrived;
 *  - blocking helpers (call, wait_event and the typed get/set/watch/next_write and
 *    devices/disconnect) for small programs and scripts;
 *  - the handler role (handle, next_request, answer_read, accept_write, refuse):
 *    answering centrals' reads and writes of Handler= characteristics;
 *  - the confirm role (handle_pairing, next_pairing_request, answer_pairing):
 *    accepting or rejecting each pairing with [Pairing] Method=confirm;
 *  - typed results (status, list, next_event / event_parse) for programs that would
 *    rather not read JSON; the raw lines stay available beside them;
 *  - cleanup helpers at the end: g_autoptr()/g_auto() with GLib, or
 *    __attribute__((cleanup)) without it.
 *
 * Conventions:
 *  - Functions returning int return 0 (or a count) on success and a negative errno
 *    on failure. Out-parameters named ret_* are left untouched on failure, except
 *    where a function says otherwise.
 *  - Strings and buffers handed to the caller are malloc()ed; free them with free().
 *  - A GattdClient is not thread-safe: use it from one thread at a time.
 *  - The socket is non-blocking and close-on-exec; writes use MSG_NOSIGNAL, so a
 *    closed connection never raises SIGPIPE. EINTR is retried internally.
 *  - Timeouts are in milliseconds; -1 waits forever.
 *  - The structs the library fills (GattdWrite, GattdRequest, GattdDevice, GattdPairing,
 *    GattdPairingRequest, GattdAdvertisement) are part of the ABI: a later release may append members,
 *    never move or remove one. While the soname is libgattd-client.so.0 (0.x releases),
 *    a struct that grows keeps the soname: rebuild programs against the header of the
 *    library they run with.
 *  - The typed results added in 0.3 (GattdStatus, GattdService and what it holds,
 *    GattdEvent) are caller-visible structs too, filled and freed only by the library,
 *    and grow only at the end. A release in which one of them (or a struct it embeds)
 *    grows exports the functions that fill and free it under a new symbol version and
 *    keeps the old versions filling the old layout, as glibc does for its structs: a
 *    program built against this header keeps working with later libraries, unrebuilt.
 *    Why not opaque objects with getters: a status, a service tree and twenty event
 *    kinds would need some sixty getters for what is plain data, and the protocol grows
 *    by adding fields, rarely. Why not a caller-set struct_size: one more thing every
 *    caller must get right, for the same guarantee the symbol versions give.
 *
 * Errors gattd answers with (the "code" of an error reply) map to errno values as
 * follows; gattd_client_error_code() gives the code itself:
 *
 *   not-found         -ENOENT      no characteristic with that id; disconnect, notify_device:
 *                                  no connected central with that address; forget: no device
 *                                  with it; answer_pairing: no such pairing request was sent;
 *                                  advertise_named: gattd.conf has no such [Advertising NAME]
 *   invalid-value     -EINVAL      the value does not decode or does not fit
 *   bad-request       -EBADMSG     malformed request (a bug in the caller's JSON)
 *   unknown-command   -ENOSYS      gattd does not know the command (older gattd)
 *   not-supported     -EOPNOTSUPP  set "notify": true on a characteristic without notify/indicate;
 *                                  notify_device without Acquire=notify, or on a bluetoothd
 *                                  that cannot notify one central alone; pairable with
 *                                  Method=off, or closing with Pairable=always; handle_pairing
 *                                  with a Method= other than confirm
 *   not-subscribed    -ENXIO       notify_device: that central has no notify socket for it
 *   not-capture       -ENOTTY      next-write on a characteristic without Capture=
 *   busy              -EBUSY       this client already has a next-write waiting; a disconnect
 *                                  (or forget) of that device is already in progress; handle
 *                                  of a characteristic, or handle_pairing, while another
 *                                  connection has it (the message names its client and pid)
 *   timeout           -ETIMEDOUT   next-write's timeout passed; BlueZ did not answer a
 *                                  disconnect or forget within 10 s
 *   disconnected      -ENOTCONN    the adapter or BlueZ went away during next-write (ask
 *                                  again) or before a disconnect or forget was answered
 *   too-many-clients  -EUSERS      gattd refused the connection (and closed it)
 *   line-too-long     -EMSGSIZE    a request line was over gattd's limit (connection closed)
 *   shutting-down     -ESHUTDOWN   gattd is stopping
 *   invalid-config    -EINVAL      reload refused: the configuration is invalid (old one kept)
 *   not-handled       -EPERM       handle on a characteristic without Handler=, or unhandle
 *                                  of one this connection does not handle; unhandle_pairing or
 *                                  answer_pairing from a connection that does not confirm
 *                                  pairings
 *   expired           -ETIME       answer to a request already settled (answered,
 *                                  HandlerTimeoutMs passed, its claim ended, a reload); the
 *                                  central has had its answer. answer_pairing: the pairing
 *                                  request is settled (answered, ConfirmTimeoutMs passed,
 *                                  cancelled by bluetoothd or a reload)
 *   failed            -EIO         BlueZ refused what gattd asked of it (disconnect, forget), or a
 *                                  central's socket failed (notify_device); the message says
 *   anything else     -EPROTO
 *
 * The library's own failures use errno values too. Some coincide with the table
 * (-ETIMEDOUT when a local timeout passes, -EMSGSIZE for an over-long received line):
 * gattd_client_error_code() is NULL for those, non-NULL for gattd's answers.
 *   -ECONNRESET  the connection is gone (end of stream, reset, broken pipe)
 *   -EMSGSIZE    a received line exceeded GATTD_CLIENT_MAX_LINE_LENGTH
 *   -EPROTO      gattd sent something that is not a JSON object (read strictly, as
 *                above: a line nested deeper than 64 is one), or a reply lacks
 *                a field the typed helpers need
 *   -ENOBUFS     an internal queue is full (see the limits below)
 * After -ECONNRESET, -EMSGSIZE (local) or -EPROTO from the I/O functions the
 * connection is unusable: every further I/O call returns the same error, though
 * messages received before it can still be popped. Free the client and reconnect.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Used when neither the path argument nor $GATTD_SOCKET names a socket. */
#define GATTD_CLIENT_DEFAULT_SOCKET "/run/gattd/gattd.sock"

/*
 * Limits on what the library buffers for one connection. Reading stops once the
 * queue holds either many messages (the lines of the last read, at most 16 KiB,
 * are still queued); gattd_client_process() then returns -ENOBUFS until the
 * caller pops some.
 */
#define GATTD_CLIENT_MAX_LINE_LENGTH (16u * 1024 * 1024) /* one received line, newline excluded */
#define GATTD_CLIENT_MAX_QUEUED_MESSAGES 65536u          /* received lines not yet taken */
#define GATTD_CLIENT_MAX_QUEUED_BYTES (64u * 1024 * 1024)
#define GATTD_CLIENT_MAX_OUTGOING_BYTES (16u * 1024 * 1024) /* requests not yet written */

/* How long the typed helpers (get, set, watch, devices, disconnect) wait for their reply;
 * gattd answers a disconnect within 10 s, whatever BlueZ does. */
#define GATTD_CLIENT_CALL_TIMEOUT_MS 25000
/* next-write: gattd accepts timeouts up to this; gattd answers "timeout" itself, the
 * client gives up on its own only this much later (a hung gattd). */
#define GATTD_CLIENT_NEXT_WRITE_MAX_TIMEOUT_MS 86400000
#define GATTD_CLIENT_NEXT_WRITE_GRACE_MS 10000

typedef struct GattdClient GattdClient;

/* ---- connection ---- */

/*
 * The socket gattd_client_connect(NULL, ...) connects to: $GATTD_SOCKET if set and
 * not empty (ignored in setuid programs), else GATTD_CLIENT_DEFAULT_SOCKET. For
 * messages like "cannot connect to PATH".
 */
const char *gattd_client_default_socket(void);

/*
 * Connect to gattd's socket at path (NULL: gattd_client_default_socket()). Nothing
 * is sent yet. Returns 0 and *ret, or -errno: -ENOENT (no socket; gattd not
 * running?), -ECONNREFUSED (stale socket), -EACCES (not in SocketGroup=),
 * -ENAMETOOLONG, -EAGAIN (gattd's listen backlog stayed full), -ENOMEM.
 * A gattd that serves too many clients already accepts and then refuses: the first
 * call then fails with -EUSERS.
 */
int gattd_client_connect(const char *path, GattdClient **ret);

/* Close the connection and free everything, queued messages included. NULL is fine. */
void gattd_client_free(GattdClient *c);

/*
 * The connected socket, for poll()/epoll in the caller's main loop: wait for POLLIN,
 * then call gattd_client_process(). While gattd_client_has_pending_output() is
 * true, also wait for POLLOUT and call gattd_client_flush(c, 0) (its -ETIMEDOUT then
 * just means the socket took part of it). Do not read from or close the descriptor
 * yourself. -EINVAL for NULL.
 */
int gattd_client_get_fd(GattdClient *c);

/* ---- raw layer ---- */

/*
 * Queue one request and write as much as the socket takes without blocking.
 * request_json must be one JSON object ({"cmd": "get", "char": "battery/level"}),
 * read as strictly as gattd reads requests (RFC 8259 only, no member name twice, no
 * \u0000, integers within 64 bits, nesting at most 64 deep; README, "Framing");
 * the library sets its "id" to a fresh unsigned integer (replacing any "id" given)
 * and stores it in *ret_id (ret_id may be NULL) so the reply can be matched.
 * Returns 0, -EINVAL (not such an object), -ENOBUFS (more than
 * GATTD_CLIENT_MAX_OUTGOING_BYTES unwritten), or a connection error.
 */
int gattd_client_send(GattdClient *c, const char *request_json, uint64_t *ret_id);

/* Whether queued request bytes still wait to be written (1) or not (0). */
int gattd_client_has_pending_output(GattdClient *c);

/*
 * Write the queued requests, waiting up to timeout_ms (0: don't wait; -1: forever).
 * Lines that arrive meanwhile are received and queued, so gattd never waits on us.
 * Returns 0 when everything is written, -ETIMEDOUT, or a connection error.
 */
int gattd_client_flush(GattdClient *c, int timeout_ms);

/*
 * Read what the socket has (a bounded amount per call; poll again if more is
 * there) and queue each complete line. Never blocks. Returns the number of lines
 * queued by this call (0 is normal: a line may still be partial), -ECONNRESET when
 * gattd closed the connection, -EMSGSIZE for a line over
 * GATTD_CLIENT_MAX_LINE_LENGTH, -EPROTO for a line that is not a JSON object,
 * -ENOBUFS when the queue is full (pop messages, then call again).
 * Lines received before the end of the stream stay queued: pop them.
 */
int gattd_client_process(GattdClient *c);

/*
 * Take the oldest received line, reply or event, without its newline: a malloc()ed
 * JSON object text the caller free()s. NULL when none is queued (or c is NULL).
 * Replies carry the "id" gattd_client_send() returned; events have an "event" member.
 */
char *gattd_client_pop_message(GattdClient *c);

/* ---- blocking helpers ---- */

/*
 * Send request_json (as gattd_client_send()) and wait up to timeout_ms for its reply.
 * Other lines that arrive meanwhile stay queued, in order: events for
 * gattd_client_wait_event(), everything for gattd_client_pop_message().
 * Returns 0 if the reply says "ok": true; the mapped -errno of its error code if
 * "ok": false (see the table above; gattd_client_error_code() and _message() tell
 * which); -ETIMEDOUT if no reply came in time (a late reply is then discarded); or a
 * connection error. *ret_reply_json (may be NULL) receives the reply line, malloc()ed,
 * whenever a reply arrived, including error replies.
 * A connection-level error line without an id (too-many-clients, line-too-long)
 * counts as the reply.
 */
int gattd_client_call(GattdClient *c, const char *request_json, int timeout_ms, char **ret_reply_json);

/*
 * Wait up to timeout_ms for an event (after a watch) and return the oldest queued
 * one in *ret_event_json (malloc()ed). Replies that arrive meanwhile stay queued.
 * Returns 0, -ETIMEDOUT (0 timeout: none queued now), or a connection error.
 */
int gattd_client_wait_event(GattdClient *c, int timeout_ms, char **ret_event_json);

/*
 * The error of the last failed call (call, get, set, watch, next_write): gattd's
 * code ("not-found", ...) and human-readable message, or NULL when the last call
 * succeeded or failed locally (timeout, connection lost). Valid until the next call
 * on c.
 */
const char *gattd_client_error_code(GattdClient *c);
const char *gattd_client_error_message(GattdClient *c);

/* The -errno for one of gattd's error codes (the table above); -EPROTO for unknown or NULL. */
int gattd_client_errno_from_code(const char *code);

/* ---- typed convenience (each blocks up to GATTD_CLIENT_CALL_TIMEOUT_MS) ---- */

/*
 * The current value of characteristic chr ("battery/level"). *ret_value is malloc()ed
 * (never NULL on success, even for an empty value), *ret_len its length.
 */
int gattd_client_get(GattdClient *c, const char *chr, uint8_t **ret_value, size_t *ret_len);

/*
 * Store value as chr's value. notify: -1 gattd's default (notify subscribed centrals
 * if chr has notify/indicate), 0 never, 1 always (-EOPNOTSUPP without
 * notify/indicate). *ret_notified (may be NULL): whether a notification or
 * indication was sent.
 */
int gattd_client_set(GattdClient *c, const char *chr, const uint8_t *value, size_t len, int notify,
                     int *ret_notified);

/*
 * Store value as chr's value and notify it to the one connected central at address
 * ("AA:BB:CC:DD:EE:FF"), through the socket BlueZ acquired for it (chr needs
 * Acquire=notify, and bluetoothd 5.79 or later as gattd recognises it). Returns 0,
 * -EINVAL for a malformed address or an empty value (checked here too) or a value that
 * does not fit chr, or the table above: -ENOENT (no such characteristic or no connected
 * central at address), -EOPNOTSUPP, -ENXIO before anything is stored; -EBUSY (its socket
 * is full) or -EIO after the value was stored but not notified.
 */
int gattd_client_notify_device(GattdClient *c, const char *chr, const uint8_t *value, size_t len,
                               const char *address);

/*
 * Receive events for the characteristics in chars (a NULL-terminated array of ids;
 * NULL: all). Adapter and registration events always arrive. The watch lasts for the
 * connection, across power cycles and bluetoothd restarts. Take events with
 * gattd_client_wait_event() or, in a main loop, gattd_client_pop_message().
 */
int gattd_client_watch(GattdClient *c, const char *const *chars);

/* One write a central made to a Capture= characteristic. */
typedef struct {
	uint8_t *value;    /* the bytes written (malloc()ed, never NULL once filled) */
	size_t len;
	uint16_t offset;   /* where in the attribute value the central wrote */
	char *device;      /* BlueZ device object path, or NULL if unknown */
	uint64_t seq;      /* 1, 2, 3 ... per characteristic; a gap means writes were dropped */
	char *chr;         /* the characteristic id */
	uint64_t queued;   /* writes still queued after this one */
	char *address;     /* the central's address "AA:BB:CC:DD:EE:FF" when it wrote, or NULL if unknown */
} GattdWrite;

/* Free what a GattdWrite holds and zero it. NULL is fine. */
void gattd_write_clear(GattdWrite *w);

/*
 * Take the oldest write queued for chr (a characteristic with Capture=), waiting up
 * to timeout_ms (-1: forever; at most GATTD_CLIENT_NEXT_WRITE_MAX_TIMEOUT_MS) for
 * one. gattd keeps the queue, so writes made while nobody waited are not lost. Returns 0 and fills *ret (clear it
 * with gattd_write_clear()), -ETIMEDOUT, -ENOTCONN when the adapter or BlueZ went
 * away meanwhile (just ask again), -ENOTTY without Capture=, -EBUSY if this
 * connection already waits, -ENOENT, -EINVAL, or a connection error.
 */
int gattd_client_next_write(GattdClient *c, const char *chr, int timeout_ms, GattdWrite *ret);

/* ---- centrals (each blocks up to GATTD_CLIENT_CALL_TIMEOUT_MS) ---- */

/* A central connected to gattd's adapter, as the roster shows it (README, "Centrals"). */
typedef struct {
	char *address;       /* its current address, "AA:BB:CC:DD:EE:FF", upper case */
	char *address_type;  /* "public" or "random"; NULL if BlueZ did not say */
	char *device;        /* BlueZ device object path */
	char *name;          /* NULL unless BlueZ knows its name */
	char *alias;         /* BlueZ's alias (the name, else the address with '-'), or NULL */
	int paired;
	int bonded;          /* -1: unknown (BlueZ before 5.65 does not say) */
	int trusted;
	int64_t connected_since_ms; /* when gattd saw it connect, ms since the Unix epoch (gattd's clock) */
	int mtu;             /* the ATT MTU its latest read or write carried; 0 until it made one */
} GattdDevice;

/*
 * The connected centrals, oldest connection first: *ret is an array of *ret_n
 * (NULL when none is connected), to be freed with gattd_devices_free().
 */
int gattd_client_devices(GattdClient *c, GattdDevice **ret, size_t *ret_n);

/* Free n devices from gattd_client_devices() and the array. NULL is fine. */
void gattd_devices_free(GattdDevice *devices, size_t n);

/*
 * Ask gattd to disconnect the central with this address (either case), and wait until
 * BlueZ has dropped the link (about 2 s): 0. -EINVAL for NULL or what is not an address
 * (nothing is sent), -ENOENT when no connected central has it, -EBUSY when a disconnect
 * of it is in progress already, -ETIMEDOUT when BlueZ did not answer in time,
 * -ENOTCONN when BlueZ or the bus went away first, -EIO when BlueZ refused
 * (gattd_client_error_message() has BlueZ's error), -ESHUTDOWN, or a connection error.
 * Watchers see the central's "disconnected" event.
 */
int gattd_client_disconnect(GattdClient *c, const char *address);

/* ---- advertising (README, "advertise"; blocks up to GATTD_CLIENT_CALL_TIMEOUT_MS) ---- */

/* The longest NAME of an [Advertising NAME] group (gattd.conf), in bytes. */
#define GATTD_CLIENT_ADVERTISEMENT_NAME_MAX 32

/* One company's manufacturer data, or one service's service data, in the advertisement. */
typedef struct {
	uint16_t company_id;  /* manufacturer data: the company identifier; 0 for service data */
	char *uuid;           /* service data: the service's UUID; NULL for manufacturer data */
	uint8_t *data;
	size_t len;
} GattdAdvertisingData;

/* The advertisement: the `advertise` reply. */
typedef struct {
	int enabled;          /* gattd offers it to BlueZ (not stopped) */
	int advertising;      /* BlueZ has it registered now */
	int changed;          /* clients changed it from the configuration's */
	int paused;           /* enabled, but stopped while a central is connected (PauseWhileConnected) */
	char *type;           /* "peripheral" or "broadcast" */
	char *local_name;     /* NULL: none */
	char **service_uuids; /* NULL-terminated, 128-bit lower-case form; never NULL */
	GattdAdvertisingData *manufacturer_data;
	size_t n_manufacturer_data;
	GattdAdvertisingData *service_data;
	size_t n_service_data;
	unsigned bytes;       /* advertising data as bluetoothd counts it */
	unsigned max_bytes;   /* what a legacy advertisement carries (31) */
} GattdAdvertisement;

/* What gattd_client_advertise() changes; a field left as GATTD_ADVERTISING_UNCHANGED sets stays. */
typedef struct {
	int enabled;                      /* -1: unchanged; 0: stop advertising; 1: start */
	int reset;                        /* nonzero: start from the configuration's advertisement */
	const char *local_name;           /* NULL: unchanged; "": advertise no name */
	const char *const *service_uuids; /* NULL: unchanged; else NULL-terminated (may be empty) */
	int set_manufacturer_data;        /* nonzero: replace it with the n_manufacturer_data below */
	const GattdAdvertisingData *manufacturer_data;
	size_t n_manufacturer_data;
	int set_service_data;             /* nonzero: replace it with the n_service_data below (uuid each) */
	const GattdAdvertisingData *service_data;
	size_t n_service_data;
} GattdAdvertisingChange;

/* A change that changes nothing: start from it. */
#define GATTD_ADVERTISING_UNCHANGED ((GattdAdvertisingChange){ .enabled = -1 })

/*
 * Change the advertisement (change NULL: only ask) and fill *ret (may be NULL; clear
 * it with gattd_advertisement_clear()): 0. The change stays over power cycles and
 * bluetoothd restarts, until a reset, a reload or gattd's restart. -EINVAL when the
 * result would not fit in a legacy advertisement (gattd_client_error_message() gives
 * the byte count), a company or UUID is given twice, or the name is over 29 bytes;
 * -EBADMSG for a UUID gattd does not read; -ESHUTDOWN, or a connection error.
 * Watchers see an "advertisement" event.
 */
int gattd_client_advertise(GattdClient *c, const GattdAdvertisingChange *change, GattdAdvertisement *ret);

/*
 * gattd_client_advertise() for the advertisement of gattd.conf's [Advertising NAME] group
 * named advertisement (NULL: the main one, [Advertising], as gattd_client_advertise()):
 * what changes, and what *ret describes, is that advertisement alone. The same
 * returns, and: -EINVAL for an advertisement name that is not 1 to
 * GATTD_CLIENT_ADVERTISEMENT_NAME_MAX bytes of UTF-8 (nothing is sent); -ENOENT
 * when gattd.conf has no such group (not-found). Symbol version GATTD_CLIENT_0.2.
 */
int gattd_client_advertise_named(GattdClient *c, const char *advertisement, const GattdAdvertisingChange *change,
                                 GattdAdvertisement *ret);
void gattd_advertisement_clear(GattdAdvertisement *adv);

/* ---- pairing (README, "Pairing"; each blocks up to GATTD_CLIENT_CALL_TIMEOUT_MS) ---- */

/* How pairing stands: the `pairable` reply. */
typedef struct {
	char *method;         /* [Pairing] Method=: "off", "just-works", "passkey", "display", "confirm" */
	int agent;            /* gattd is bluetoothd's default pairing agent */
	int pairable;         /* a central's pairing is accepted now */
	int always;           /* Pairable=always */
	int64_t remaining_ms; /* on-request: until the window closes (0: closed); -1 with always or off */
} GattdPairing;

/*
 * open < 0: ask how pairing stands; open > 0: open the pairing window for seconds
 * (1..86400; 0: [Pairing] PairableSeconds); open == 0: close it. Fills *ret (clear
 * it with gattd_pairing_clear()): 0. -EOPNOTSUPP with Method=off, or closing with
 * Pairable=always; -EINVAL for seconds out of range or with open <= 0 (nothing is
 * sent); -ESHUTDOWN, or a connection error. Watchers see a "pairable" event when
 * the window opens or closes.
 */
int gattd_client_pairable(GattdClient *c, int open, unsigned seconds, GattdPairing *ret);
void gattd_pairing_clear(GattdPairing *pairing);

/*
 * The devices BlueZ keeps keys for on gattd's adapter (bonded; paired before BlueZ
 * 5.65), connected or not, by address: *ret as gattd_client_devices() fills it
 * (connected_since_ms 0 and mtu 0 for one not connected), freed with
 * gattd_devices_free().
 */
int gattd_client_bonds(GattdClient *c, GattdDevice **ret, size_t *ret_n);

/*
 * Ask gattd to remove the device with this address and its keys from BlueZ
 * (Adapter1.RemoveDevice; a connected one is disconnected first): 0 once BlueZ did.
 * -EINVAL for what is not an address (nothing is sent), -ENOENT when BlueZ knows no
 * such device, -EBUSY, -ETIMEDOUT, -ENOTCONN, -EIO as for gattd_client_disconnect().
 */
int gattd_client_forget(GattdClient *c, const char *address);

/* ---- confirming pairings (README, "Confirming pairings (Method=confirm)") ---- */

/*
 * With [Pairing] Method=confirm, one connection, the confirmer, accepts or rejects each
 * pairing that passes the pairing window: it arrives as a "pairing-request" event, to
 * the confirmer only, watching or not (take it with gattd_client_next_pairing_request(),
 * or gattd_pairing_request_parse() a line of the raw layer), and is settled by one
 * gattd_client_answer_pairing() before its deadline ([Pairing] ConfirmTimeoutMs).
 * bluetoothd waits meanwhile, and asks one pairing at a time. Whatever settles a request
 * without the confirmer's yes (its no, the deadline, bluetoothd cancelling, the
 * confirmer leaving) rejects the pairing and sends the confirmer a "pairing-failed"
 * event naming the request ("request": its id; "reason": "rejected", "timeout",
 * "canceled", "no-confirmer"); those stay queued for gattd_client_wait_event() and
 * gattd_client_pop_message(). No confirmer, no pairing: gattd rejects each at once.
 */

/*
 * Make this connection the confirmer. 0 (also when it is already), -EOPNOTSUPP when
 * [Pairing] Method= is not confirm, -EBUSY when another connection confirms (the error
 * message names its client id and pid), -ESHUTDOWN, or a connection error. The role is
 * the connection's until gattd_client_unhandle_pairing() or the connection ends, across
 * reloads (with another Method= it just gets no requests) and bluetoothd restarts.
 */
int gattd_client_handle_pairing(GattdClient *c);

/*
 * Give the role up. A request still unanswered is rejected at once (its pairing-failed
 * says "no-confirmer"). -EPERM when this connection does not confirm pairings.
 */
int gattd_client_unhandle_pairing(GattdClient *c);

typedef enum {
	/* Numeric comparison: the central shows the same six digits and its user confirms
	 * there too; accepting gives an authenticated link. */
	GATTD_PAIRING_COMPARE,
	/* Just Works: no number (the central has no display or keyboard, or pairs without
	 * Secure Connections); accepting gives an encrypted but unauthenticated link. */
	GATTD_PAIRING_JUST_WORKS,
} GattdPairingKind;

/* One pairing to accept or reject, from a "pairing-request" event. */
typedef struct {
	uint64_t id;            /* what the answer names (never reused) */
	GattdPairingKind kind;
	char *device;           /* BlueZ device object path, or NULL if unknown */
	char *address;          /* the central's address "AA:BB:CC:DD:EE:FF", or NULL if unknown */
	char *passkey;          /* GATTD_PAIRING_COMPARE: the six digits to show ("004821"); else NULL */
	/* When ConfirmTimeoutMs ends for it: CLOCK_MONOTONIC in microseconds, as for
	 * GattdRequest. By then gattd has rejected the pairing and an answer gets -ETIME. */
	int64_t deadline;
} GattdPairingRequest;

/* Free what a GattdPairingRequest holds and zero it. NULL is fine. */
void gattd_pairing_request_clear(GattdPairingRequest *r);

/*
 * Parse event_json, a line from gattd_client_pop_message() or gattd_client_wait_event(),
 * into *ret (clear it with gattd_pairing_request_clear()). Returns 0, -ENOMSG when the
 * line is no pairing-request event (another event, such as pairing-failed, or a reply:
 * handle it as such), -EPROTO when such an event lacks a field, has a kind other than
 * "compare" or "just-works", a passkey that does not go with its kind (six digits for
 * compare, null for just-works), or is no JSON object; -EINVAL for NULL arguments.
 * *ret is untouched on failure.
 */
int gattd_pairing_request_parse(const char *event_json, GattdPairingRequest *ret);

/*
 * Wait up to timeout_ms (-1: forever) for a pairing-request event and take the oldest
 * into *ret. Other events (pairing-failed among them) and replies stay queued, in
 * order. Returns 0, -ETIMEDOUT, -EPROTO (a pairing-request gattd_pairing_request_parse()
 * refuses: it is dropped, and its pairing is rejected at its deadline), -EINVAL, or a
 * connection error.
 */
int gattd_client_next_pairing_request(GattdClient *c, int timeout_ms, GattdPairingRequest *ret);

/*
 * Answer pairing request: accept (non-zero) lets the pairing go on (for
 * GATTD_PAIRING_COMPARE the central's user confirms too), 0 rejects it. -EINVAL for
 * request 0 or over INT64_MAX (nothing is sent); -EPERM when this connection does not
 * confirm pairings, -ENOENT when no such request was sent, -ETIME when it is settled
 * already (answered, its deadline passed, cancelled: its pairing-failed says how),
 * -EBADMSG, -ESHUTDOWN, or a connection error.
 */
int gattd_client_answer_pairing(GattdClient *c, uint64_t request, int accept);

/* ---- handlers ---- */

/*
 * A characteristic with Handler= (read, write or both; or with a descriptor that has
 * it) can be claimed by one connection, which then answers centrals' requests of it:
 * each arrives as a "read-request" or "write-request" event (take it with
 * gattd_client_next_request(), or gattd_request_parse() a line of the raw layer) and
 * is settled by one answer (answer_read, accept_write, refuse, refuse_code) within
 * [Daemon] HandlerTimeoutMs; after that the central has got ATT 0x0E (unlikely error)
 * and a late answer gets -ETIME. While nobody handles the characteristic, gattd
 * answers by itself (reads: the stored value; writes: HandlerFallback=). A reload
 * that removes the characteristic or its Handler= ends the claim with an "unhandled"
 * event.
 */

/* The ATT application error codes a handler may refuse with (gattd_client_refuse_code()). */
#define GATTD_CLIENT_ATT_APP_FIRST 0x80
#define GATTD_CLIENT_ATT_APP_LAST 0x9f

/*
 * Claim the characteristics in chars (a NULL-terminated, non-empty array of ids), all
 * or none: -ENOENT (no such characteristic), -EPERM (no Handler= on it nor on its
 * descriptors), -EBUSY (another connection handles it; the error message names its
 * client id and pid), -EINVAL for NULL or an empty array. Claiming again what this
 * connection handles is fine. The claim lasts until unhandle or the connection ends;
 * requests then pending are settled as if nobody handled them.
 */
int gattd_client_handle(GattdClient *c, const char *const *chars);

/*
 * Release the characteristics in chars (NULL: every one this connection handles); their
 * pending requests are settled as if nobody handled them. -EPERM when one of them is not
 * handled by this connection (then none is released).
 */
int gattd_client_unhandle(GattdClient *c, const char *const *chars);

typedef enum {
	GATTD_REQUEST_READ,
	GATTD_REQUEST_WRITE,
} GattdRequestKind;

/* One request of a central, from a "read-request" or "write-request" event. */
typedef struct {
	GattdRequestKind kind;
	uint64_t id;       /* what the answer names */
	char *chr;         /* the characteristic id (also when one of its descriptors is asked) */
	char *desc;        /* the descriptor id when the request is a descriptor's, else NULL */
	char *device;      /* BlueZ device object path, or NULL if unknown */
	char *address;     /* the central's address "AA:BB:CC:DD:EE:FF", or NULL if unknown */
	uint16_t offset;   /* a read's: where the central's part of the answered value starts */
	uint16_t mtu;      /* the link's ATT MTU, 0 if unknown */
	/* When HandlerTimeoutMs ends for it: CLOCK_MONOTONIC in microseconds, as clock_gettime()
	 * (or GLib's g_get_monotonic_time()) gives it on this host. By then gattd has answered the
	 * central ATT 0x0E and an answer gets -ETIME; a handler can skip work for a request whose
	 * deadline has passed. 0 from a gattd that does not say. */
	int64_t deadline;
	/* Writes only (NULL and 0 for reads): */
	uint8_t *data;     /* the bytes written (malloc()ed, never NULL for a write) */
	size_t data_len;
	uint8_t *value;    /* the whole value the write leaves: what precedes offset, then data */
	size_t value_len;
	int prepared;      /* part of a long (prepared) write: offset > 0 */
	int authorize;     /* only asks whether the write would be accepted; accepting stores nothing */
	int response;      /* the central waits for the answer (0: write without response) */
} GattdRequest;

/* Free what a GattdRequest holds and zero it. NULL is fine. */
void gattd_request_clear(GattdRequest *r);

/*
 * Parse event_json, a line from gattd_client_pop_message() or gattd_client_wait_event(),
 * into *ret (clear it with gattd_request_clear()). Returns 0, -ENOMSG when the line is
 * no read-request or write-request event (another event or a reply: handle it as
 * such), -EPROTO when such an event lacks a field or is no JSON object, -EINVAL for
 * NULL arguments.
 */
int gattd_request_parse(const char *event_json, GattdRequest *ret);

/*
 * Wait up to timeout_ms (-1: forever) for a read-request or write-request event and
 * take the oldest into *ret. Other events and replies stay queued, in order, for
 * gattd_client_wait_event() and gattd_client_pop_message() ("unhandled" among them).
 * Returns 0, -ETIMEDOUT, -EPROTO (a request event without a field it needs: it is
 * dropped, and its request settles by the time limit), or a connection error.
 */
int gattd_client_next_request(GattdClient *c, int timeout_ms, GattdRequest *ret);

/*
 * Answer read request with value, the WHOLE value (len bytes; value may be NULL when
 * len is 0): the central gets the part from the request's offset. -EINVAL when it
 * does not fit the characteristic (MaxLength, Type size; the central got an error),
 * -EBADMSG when request is a write (the central got unlikely error, 0x0E), -ENOENT
 * when no such request was sent to this connection, -ETIME when it is settled
 * already. -EINVAL for request 0 (ids start at 1).
 */
int gattd_client_answer_read(GattdClient *c, uint64_t request, const uint8_t *value, size_t len);

/*
 * Accept write request: gattd stores it as any write (write event, Capture=, Persist=)
 * unless it only asked for authorization. *ret_stored (may be NULL): whether it was
 * stored. -EBADMSG when request is a read (the central got 0x0E); -ENOENT, -ETIME as
 * for answer_read.
 */
int gattd_client_accept_write(GattdClient *c, uint64_t request, int *ret_stored);

/*
 * Refuse request with a named ATT error, which the central receives: "not-permitted"
 * (read or write not permitted, as fits the request), "not-supported",
 * "invalid-offset", "not-authorized", "invalid-value-length", "unlikely",
 * "improperly-configured" or "in-progress". gattd checks the name: an unknown one
 * gives -EBADMSG, and the central then got unlikely error (0x0E). -ENOENT, -ETIME as
 * for answer_read.
 */
int gattd_client_refuse(GattdClient *c, uint64_t request, const char *error);

/*
 * Refuse request with an application error code, GATTD_CLIENT_ATT_APP_FIRST..
 * GATTD_CLIENT_ATT_APP_LAST (0x80..0x9f; bluetoothd 5.66 and later pass it on, older
 * ones send 0x80). -EINVAL for a code outside that range, before anything is sent:
 * the request stays pending. -ENOENT, -ETIME as for answer_read.
 */
int gattd_client_refuse_code(GattdClient *c, uint64_t request, int code);

/* ---- status and services (each blocks up to GATTD_CLIENT_CALL_TIMEOUT_MS; symbol version GATTD_CLIENT_0.3) ---- */

/* An [Advertising NAME] advertisement in the `status` reply. */
typedef struct {
	char *name;        /* NAME of its group */
	int enabled;       /* enabled now (Enabled=, or a client's advertise) */
	int advertising;   /* BlueZ has it registered now */
	int paused;        /* enabled, but stopped while a central is connected (PauseWhileConnected) */
	char *error;       /* bluetoothd's last refusal, until it registers it; else NULL */
} GattdAdvertisementStatus;

/* How gattd stands: the `status` reply (README, "Requests and replies"). */
typedef struct {
	/* The lifecycle state's name: "NO_BUS", "NO_BLUEZ", "NO_ADAPTER", "REGISTERING",
	 * "REGISTERED", "ADVERTISE_START", "ADVERTISING", "STOPPING", ... (compare as
	 * strings: a later gattd may have more), and the same in words. */
	char *state;
	char *description;
	char *adapter;          /* the adapter's name ("hci0"); NULL without one (then the three below too) */
	char *adapter_address;  /* "00:AA:01:00:00:01"; NULL when not known */
	char *adapter_path;     /* its D-Bus object path */
	int adapter_powered;
	int registered;         /* the GATT application is registered with BlueZ */
	int advertising;        /* the main advertisement is registered */
	int on_air;             /* registered and powered: centrals can use the services */
	GattdAdvertisementStatus *advertisements; /* the [Advertising NAME] ones, in configuration order */
	size_t n_advertisements;                  /* 0 (and NULL) without such groups */
	char *sockets;          /* acquired sockets on this bluetoothd: "shared", "per-central", "targeted"; NULL without adapter */
	GattdPairing pairing;   /* as gattd_client_pairable() asks it */
	unsigned clients;       /* connections to gattd's socket, this one included */
	unsigned watchers;      /* connections that sent watch */
	unsigned subscriptions; /* characteristics centrals are subscribed to */
	uint64_t captured;      /* writes queued for next-write now */
	uint64_t overflows;     /* writes the capture queues dropped so far */
	uint64_t generation;    /* configuration generation: 1 at start, +1 per applied reload */
} GattdStatus;

/*
 * Ask gattd how it stands and fill *ret (clear it with gattd_status_clear()): 0.
 * -EINVAL for NULL arguments, -EPROTO when the reply lacks a field or has one of
 * another type, -ESHUTDOWN, -ETIMEDOUT, or a connection error. *ret is untouched on
 * failure.
 */
int gattd_client_status(GattdClient *c, GattdStatus *ret);

/* Free what a GattdStatus holds and zero it. NULL, and a zeroed one, are fine. */
void gattd_status_clear(GattdStatus *status);

/* A descriptor in the `list` reply. */
typedef struct {
	char *id;          /* "battery/level/description" */
	char *uuid;        /* 128-bit, lower case */
	char **flags;      /* NULL-terminated ("read", "write", ...); never NULL */
	uint8_t *value;    /* its value (malloc()ed, never NULL, even when empty) */
	size_t len;
} GattdDescriptor;

/* A characteristic in the `list` reply. */
typedef struct {
	char *id;          /* "battery/level" */
	char *uuid;
	char **flags;      /* NULL-terminated ("read", "notify", ...); never NULL */
	char *type;        /* Type= ("u8", "utf8", ...); NULL without */
	unsigned max_length;
	unsigned capture;  /* Capture= N: writes kept for next-write; 0 without */
	int notifying;     /* a central is subscribed */
	uint8_t *value;    /* the current value (malloc()ed, never NULL) */
	size_t len;
	GattdDescriptor *descriptors; /* NULL when n_descriptors is 0 */
	size_t n_descriptors;
} GattdCharacteristic;

/* A service in the `list` reply: what gattd serves, as configured. */
typedef struct {
	char *id;          /* "battery" */
	char *uuid;
	int primary;
	GattdCharacteristic *characteristics; /* NULL when n_characteristics is 0 */
	size_t n_characteristics;
} GattdService;

/*
 * The services gattd serves, with their characteristics, values and descriptors, in
 * configuration order: *ret is an array of *ret_n (NULL when there is none), to be
 * freed with gattd_services_free(). -EINVAL for NULL arguments, -EPROTO for a reply
 * gattd_client_status() would also refuse, -ENOMEM, -ESHUTDOWN, -ETIMEDOUT, or a
 * connection error; *ret and *ret_n are untouched on failure.
 */
int gattd_client_list(GattdClient *c, GattdService **ret, size_t *ret_n);

/* Free n services from gattd_client_list() and the array. NULL is fine. */
void gattd_services_free(GattdService *services, size_t n);

/* ---- events as C values (symbol version GATTD_CLIENT_0.3) ---- */

/*
 * What an event line says happened (README, "Events (after `watch`)"). A later gattd
 * may send events this library does not know: they parse as GATTD_EVENT_UNKNOWN with
 * their name kept, so a program keeps running. A later library may append kinds:
 * treat a kind your switch does not know as GATTD_EVENT_UNKNOWN (a default: branch).
 */
typedef enum {
	GATTD_EVENT_UNKNOWN,          /* none of the below: see name and json */
	GATTD_EVENT_WRITE,            /* a central wrote: write (chr, device, address too) */
	GATTD_EVENT_SUBSCRIBED,       /* chr; device, address when BlueZ said (Acquire=notify) */
	GATTD_EVENT_UNSUBSCRIBED,     /* chr; device, address as for subscribed */
	GATTD_EVENT_CONFIRM,          /* chr: a central confirmed an indication */
	GATTD_EVENT_CAPTURE_OVERFLOW, /* chr, dropped, overflows */
	GATTD_EVENT_ADAPTER,          /* adapter (NULL: none), adapter_address, adapter_powered */
	GATTD_EVENT_REGISTERED,       /* adapter: the services are on the air there */
	GATTD_EVENT_UNREGISTERED,     /* reason: "adapter-down", "adapter-removed", "bluez-gone", "bus-lost", "reload", "shutdown" */
	GATTD_EVENT_RELOADED,         /* generation */
	GATTD_EVENT_CONNECTED,        /* central (device, address too) */
	GATTD_EVENT_DISCONNECTED,     /* central, reason (NULL when nobody said) */
	GATTD_EVENT_PAIRED,           /* central */
	GATTD_EVENT_PAIRING_FAILED,   /* device, address (NULL when unknown), reason, request (0: none) */
	GATTD_EVENT_PASSKEY,          /* device, address, passkey */
	GATTD_EVENT_PAIRABLE,         /* pairing: the window opened or closed */
	GATTD_EVENT_ADVERTISEMENT,    /* advertisement_name (NULL: the main one), advertisement */
	GATTD_EVENT_UNHANDLED,        /* chr, reason: this connection no longer handles chr */
	GATTD_EVENT_READ_REQUEST,     /* handler_request (chr, device, address too) */
	GATTD_EVENT_WRITE_REQUEST,    /* handler_request (chr, device, address too) */
	GATTD_EVENT_PAIRING_REQUEST,  /* pairing_request (device, address too) */
} GattdEventKind;

/*
 * One event. name and json are always set; each kind fills the members its comment
 * in GattdEventKind names, the rest stay NULL or 0. chr, device, address and reason
 * are filled for every event, known or not, that has them as top-level strings.
 */
typedef struct {
	GattdEventKind kind;
	char *name;            /* the "event" member as gattd sent it ("write", or an unknown one's) */
	char *json;            /* the whole line, for what this library does not read ("typed", new fields) */
	char *chr;             /* the characteristic id */
	char *device;          /* BlueZ device object path, or NULL if unknown */
	char *address;         /* the central's address "AA:BB:CC:DD:EE:FF", or NULL if unknown */
	char *reason;          /* why, in gattd's words ("adapter-down", "remote", "timeout", ...) */
	GattdWrite write;      /* seq and queued are 0: they belong to next-write */
	uint64_t dropped;
	uint64_t overflows;
	char *adapter;         /* the adapter's name ("hci0") */
	char *adapter_address;
	int adapter_powered;
	uint64_t generation;
	GattdDevice central;
	char *passkey;         /* six digits ("004821") */
	uint64_t request;      /* the pairing-request a pairing-failed settles; 0 for none */
	GattdPairing pairing;
	char *advertisement_name;
	GattdAdvertisement advertisement;
	GattdRequest handler_request;
	GattdPairingRequest pairing_request;
} GattdEvent;

/* Free what a GattdEvent holds and zero it. NULL, and a zeroed one, are fine. */
void gattd_event_clear(GattdEvent *event);

/*
 * Parse event_json, a line from gattd_client_pop_message() or gattd_client_wait_event(),
 * into *ret (clear it with gattd_event_clear()). Returns 0, also for an event this
 * library does not know (GATTD_EVENT_UNKNOWN); -ENOMSG when the line is no event (a
 * reply: it has no "event" member); -EPROTO when it is no JSON object, its "event"
 * is no string, or a known event lacks a field or has one of another type (the
 * same fields gattd_request_parse() and gattd_pairing_request_parse() need for
 * theirs); -ENOMEM; -EINVAL for NULL arguments. *ret is untouched on failure.
 */
int gattd_event_parse(const char *event_json, GattdEvent *ret);

/*
 * Wait up to timeout_ms (-1: forever) for an event (after gattd_client_watch(); a
 * handler's requests and a confirmer's pairing requests are events too) and take the
 * oldest into *ret, as gattd_client_wait_event() and gattd_event_parse() together.
 * Replies stay queued. Returns 0, -ETIMEDOUT (0 timeout: none queued now), -EPROTO
 * (an event gattd_event_parse() refuses: it is dropped; call again for the next),
 * -EINVAL, or a connection error.
 */
int gattd_client_next_event(GattdClient *c, int timeout_ms, GattdEvent *ret);

#ifdef __cplusplus
}
#endif

/* ---- cleanup helpers ---- */

/*
 * With GLib: include <glib.h> before this header, then
 *   g_autoptr(GattdClient) c = NULL;
 *   g_auto(GattdStatus) status = { 0 };   (and GattdEvent, GattdWrite, GattdRequest,
 *   GattdPairing, GattdPairingRequest, GattdAdvertisement)
 * free and clear them when they go out of scope. Arrays with a count (devices, bonds,
 * services) have no such helper: free them with their _free function.
 */
#ifdef G_DEFINE_AUTOPTR_CLEANUP_FUNC
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GattdClient, gattd_client_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdWrite, gattd_write_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdRequest, gattd_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdPairing, gattd_pairing_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdPairingRequest, gattd_pairing_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdAdvertisement, gattd_advertisement_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdStatus, gattd_status_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GattdEvent, gattd_event_clear)
#endif

/*
 * Without GLib, GCC and Clang (C or C++) run a function on a variable's address when
 * it goes out of scope: GATTD_CLEANUP(f). The _clear functions take that address as
 * they are; a GattdClient pointer takes gattd_client_freep():
 *   GattdClient *c GATTD_CLEANUP(gattd_client_freep) = NULL;
 *   GattdEvent event GATTD_CLEANUP(gattd_event_clear) = { 0 };
 * Initialise every such variable: the function runs on every way out of the scope.
 */
#if defined(__GNUC__) || defined(__clang__)
#define GATTD_CLEANUP(func) __attribute__((cleanup(func)))
#endif

static inline void gattd_client_freep(GattdClient **c)
{
	if (c && *c) {
		gattd_client_free(*c);
		*c = NULL;
	}
}
