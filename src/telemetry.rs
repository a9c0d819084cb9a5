//! Logging: tracing to stderr, text or JSON, levels from `RUST_LOG`.
//!
//! Events are formatted on the thread that logs them and written by a
//! background thread, so a request never waits for a write to stderr. The
//! writer is lossless: past [`BUFFER_LIMIT`] bytes not yet written, loggers
//! wait rather than drop events.
//!
//! Two pieces are ours rather than tracing-subscriber's and
//! tracing-appender's, because every RPC logs one event (BENCHMARKS.md):
//! [`Line`], one formatter for both formats (tracing-subscriber's JSON
//! formatter builds a serde map per event, and both of its formatters write
//! piece by piece through a `dyn` writer; this one builds the line in one
//! string, so text and JSON cost the same), and [`LogWriter`] (their
//! non-blocking writer allocates a message and wakes its thread per event;
//! this one appends to a shared buffer and wakes the thread once per batch).
//! The lines are tracing-subscriber's:
//! - JSON: `timestamp` (RFC 3339, UTC, microseconds), `level`, the event's
//!   fields in order (`message` first), `target`;
//! - text: `<timestamp> <LEVEL> <target>: <message> name=value ...`, string
//!   values quoted and escaped, others as they print themselves.
//!
//! Text lines colour their level (ANSI escapes) only when stderr is a
//! terminal and `NO_COLOR` is unset or empty, so a log redirected to a file
//! or collected from a pipe is plain text.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::{self, IsTerminal};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Keep the guard until the process ends:
/// dropping it writes out what is still buffered. Calling it twice is
/// harmless (the second subscriber is not installed).
pub fn init(format: LogFormat) -> LogGuard {
    let (writer, guard) = LogWriter::spawn(io::stderr());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let line = match format {
        LogFormat::Text => Line::Text {
            colours: colours(&io::stderr(), std::env::var_os("NO_COLOR")),
        },
        LogFormat::Json => Line::Json,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .event_format(line)
        .try_init();
    guard
}

/// Whether text lines written to `out` get ANSI colours: only on a
/// terminal, and not when `NO_COLOR` (<https://no-color.org>) is set to
/// anything but the empty string.
fn colours(out: &impl IsTerminal, no_color: Option<std::ffi::OsString>) -> bool {
    out.is_terminal() && no_color.is_none_or(|v| v.is_empty())
}

/// Most bytes logged and not yet written before loggers wait.
pub const BUFFER_LIMIT: usize = 1 << 20;

/// How long the writer thread lets lines gather once the first arrives.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

/// Hands log lines to the writer thread of [`LogWriter::spawn`].
#[derive(Clone)]
pub struct LogWriter(Arc<Shared>);

/// Writes out what is buffered and stops the writer thread when dropped.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<Buffer>,
    /// Signals the writer thread that lines arrived (or that it must stop).
    arrived: Condvar,
    /// Signals waiting loggers that the buffer was taken.
    taken: Condvar,
}

struct Buffer {
    lines: Vec<u8>,
    /// The writer thread waits for lines; only then does a logger wake it.
    idle: bool,
    closed: bool,
}

impl LogWriter {
    /// A writer whose lines a new thread writes to `out`, each batch
    /// followed by a flush.
    pub fn spawn(mut out: impl io::Write + Send + 'static) -> (LogWriter, LogGuard) {
        let shared = Arc::new(Shared {
            state: Mutex::new(Buffer {
                lines: Vec::new(),
                idle: false,
                closed: false,
            }),
            arrived: Condvar::new(),
            taken: Condvar::new(),
        });
        let writer = shared.clone();
        let thread = std::thread::Builder::new()
            .name("roster-log".into())
            .spawn(move || {
                let mut batch = Vec::new();
                loop {
                    {
                        let mut state = writer.lock();
                        while state.lines.is_empty() && !state.closed {
                            state.idle = true;
                            state = writer
                                .arrived
                                .wait(state)
                                .unwrap_or_else(|e| e.into_inner());
                        }
                        if state.lines.is_empty() {
                            return;
                        }
                        if !state.closed {
                            // Let a batch gather: one wake-up and one write
                            // for all the lines of the next moment.
                            drop(state);
                            std::thread::sleep(GATHER);
                            state = writer.lock();
                        }
                        std::mem::swap(&mut state.lines, &mut batch);
                    }
                    writer.taken.notify_all();
                    // Nowhere to report a failed write to stderr; the lines
                    // are dropped and logging goes on.
                    let _ = out.write_all(&batch).and_then(|()| out.flush());
                    batch.clear();
                }
            })
            .expect("spawning the log writer thread");
        let guard = LogGuard {
            shared: shared.clone(),
            thread: Some(thread),
        };
        (LogWriter(shared), guard)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl io::Write for &LogWriter {
    /// Takes the whole of `line` (tracing writes an event in one call, so
    /// lines never interleave).
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let shared = &self.0;
        let mut state = shared.lock();
        while state.lines.len() >= BUFFER_LIMIT && !state.closed {
            state = shared.taken.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.lines.extend_from_slice(line);
        if std::mem::take(&mut state.idle) {
            shared.arrived.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = &'a LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.arrived.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Formats an event as one line of text or one JSON object on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// `<timestamp> <LEVEL> <target>: <message> name=value ...`; the level
    /// in colour when `colours`.
    Text { colours: bool },
    /// `{"timestamp":...,"level":...,<fields>,"target":...}`.
    Json,
}

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        thread_local! {
            static LINE: RefCell<String> = const { RefCell::new(String::new()) };
        }
        // The line is put together in a plain String (`Writer` is a `dyn`
        // writer: a call per piece) and handed over whole.
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut line) => {
                line.clear();
                self.format(&mut line, event);
                w.write_str(&line)
            }
            // Only if a field's `Debug` logs in turn.
            Err(_) => {
                let mut line = String::new();
                self.format(&mut line, event);
                w.write_str(&line)
            }
        })
    }
}

impl Line {
    /// Appends `event` as one line, newline included.
    fn format(self, line: &mut String, event: &Event<'_>) {
        // A `log` record (sled and the PostgreSQL driver log through the
        // `log` crate) arrives as an event of target `log` whose `log.*`
        // fields name its real target: shown as that target, without them.
        let normalized = event.normalized_metadata();
        let from_log = normalized.is_some();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        match self {
            Line::Json => {
                line.push_str("{\"timestamp\":\"");
                push_now(line);
                line.push_str("\",\"level\":\"");
                line.push_str(meta.level().as_str());
                line.push('"');
                event.record(&mut Fields {
                    line,
                    json: true,
                    from_log,
                });
                line.push_str(",\"target\":");
                push_string(line, meta.target());
                line.push_str("}\n");
            }
            Line::Text { colours } => {
                push_now(line);
                line.push(' ');
                let (start, end) = match (colours, *meta.level()) {
                    (false, _) => ("", ""),
                    (true, Level::ERROR) => ("\x1b[31m", "\x1b[0m"),
                    (true, Level::WARN) => ("\x1b[33m", "\x1b[0m"),
                    (true, Level::INFO) => ("\x1b[32m", "\x1b[0m"),
                    (true, Level::DEBUG) => ("\x1b[34m", "\x1b[0m"),
                    (true, Level::TRACE) => ("\x1b[35m", "\x1b[0m"),
                };
                let _ = write!(line, "{start}{:>5}{end} ", meta.level().as_str());
                line.push_str(meta.target());
                line.push(':');
                event.record(&mut Fields {
                    line,
                    json: false,
                    from_log,
                });
                line.push('\n');
            }
        }
    }
}

/// Appends each field: `,"name":value` in JSON, ` name=value` in text
/// (the message alone as itself).
struct Fields<'a> {
    line: &'a mut String,
    json: bool,
    /// Leave out the `log.*` fields of a `log` record.
    from_log: bool,
}

impl Fields<'_> {
    /// Whether `field` is left out.
    fn skips(&self, field: &Field) -> bool {
        self.from_log && field.name().starts_with("log.")
    }

    /// Starts a field; whether its value is to be written bare (the text
    /// message).
    fn name(&mut self, field: &Field) -> bool {
        if self.json {
            self.line.push(',');
            push_string(self.line, field.name());
            self.line.push(':');
            return false;
        }
        self.line.push(' ');
        if field.name() == "message" {
            return true;
        }
        self.line.push_str(field.name());
        self.line.push('=');
        false
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.skips(field) {
            return;
        }
        match self.name(field) {
            true => self.line.push_str(value),
            false => push_string(self.line, value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.skips(field) {
            return;
        }
        self.name(field);
        push_u64(self.line, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.skips(field) {
            return;
        }
        self.name(field);
        if value < 0 {
            self.line.push('-');
        }
        push_u64(self.line, value.unsigned_abs());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.skips(field) {
            return;
        }
        self.name(field);
        self.line.push_str(if value { "true" } else { "false" });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.skips(field) {
            return;
        }
        self.name(field);
        // JSON has no NaN or infinity; those become strings.
        let _ = match value.is_finite() || !self.json {
            true => write!(self.line, "{value}"),
            false => write!(self.line, "\"{value}\""),
        };
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.skips(field) {
            return;
        }
        self.name(field);
        if self.json {
            self.line.push('"');
            let _ = write!(Escaped(&mut *self.line), "{value:?}");
            self.line.push('"');
        } else {
            let _ = write!(self.line, "{value:?}");
        }
    }
}

/// Appends the time as RFC 3339, UTC, microseconds, as tracing-subscriber
/// writes it: `2026-12-02T05:45:17.434774Z`. The part up to the second is
/// formatted once a second per thread.
fn push_now(line: &mut String) {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = std::time::SystemTime::now();
    let since = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != since.as_secs() {
            let whole = humantime::format_rfc3339_micros(now).to_string();
            // `YYYY-MM-DDTHH:MM:SS.`, the same for the whole second.
            *second = (since.as_secs(), whole[..whole.len() - 7].to_owned());
        }
        line.push_str(&second.1);
    });
    let micros = since.subsec_micros();
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    line.push_str(std::str::from_utf8(&digits).unwrap_or_default());
    line.push('Z');
}

/// Appends `n` in decimal.
fn push_u64(line: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits only.
    line.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// Appends `s` as a JSON string, quotes included.
fn push_string(line: &mut String, s: &str) {
    line.push('"');
    let _ = Escaped(&mut *line).write_str(s);
    line.push('"');
}

/// Escapes what is written through it for the inside of a JSON string.
struct Escaped<'a>(&'a mut String);

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Nearly every string logged needs no escaping: found out eight
        // bytes at a time, and copied whole.
        if !needs_escaping(s.as_bytes()) {
            self.0.push_str(s);
            return Ok(());
        }
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            if b < 0x20 || b == b'"' || b == b'\\' {
                // An ASCII byte: `i` is a character boundary.
                self.0.push_str(&s[start..i]);
                match b {
                    b'"' => self.0.push_str("\\\""),
                    b'\\' => self.0.push_str("\\\\"),
                    b'\n' => self.0.push_str("\\n"),
                    b'\r' => self.0.push_str("\\r"),
                    b'\t' => self.0.push_str("\\t"),
                    b => write!(self.0, "\\u{b:04x}")?,
                }
                start = i + 1;
            }
        }
        self.0.push_str(&s[start..]);
        Ok(())
    }
}

/// Whether any byte of `bytes` is a control character, `"` or `\`.
fn needs_escaping(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let whole = chunks
        .by_ref()
        .any(|chunk| any_to_escape(u64::from_le_bytes(chunk.try_into().unwrap_or_default())));
    // The last few bytes, padded with a letter.
    let mut last = [b'a'; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    whole || any_to_escape(u64::from_le_bytes(last))
}

/// Whether any of eight bytes is a control character, `"` or `\`
/// (bytewise tests on a word; a byte of a multi-byte character is never
/// one of them).
fn any_to_escape(chunk: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let zero = |x: u64| below(x, 1);
    (below(chunk, 0x20)
        | zero(chunk ^ (ONES * u64::from(b'"')))
        | zero(chunk ^ (ONES * u64::from(b'\\'))))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::time::{Duration, UNIX_EPOCH};

    fn timestamp(secs: u64, micros: u32) -> String {
        let t = UNIX_EPOCH + Duration::new(secs, micros * 1000);
        humantime::format_rfc3339_micros(t).to_string()
    }

    /// The timestamps of a line: what tracing-subscriber wrote.
    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(timestamp(951_782_400, 7), "2000-02-29T00:00:00.000007Z");
        assert_eq!(
            timestamp(1_795_849_498, 723_954),
            "2026-11-28T07:04:58.723954Z"
        );
        assert_eq!(
            timestamp(4_102_444_799, 999_999),
            "2099-12-31T23:59:59.999999Z"
        );
    }

    /// Every line arrives whole and in order, across a buffer that fills
    /// up, and the guard writes out the rest.
    #[test]
    fn writer_is_lossless() {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl io::Write for Sink {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                std::thread::sleep(Duration::from_micros(50));
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let (writer, guard) = LogWriter::spawn(sink.clone());
        let line = |t: usize, i: usize| format!("{t} {i} {}\n", "x".repeat(i % 3000));
        std::thread::scope(|s| {
            for t in 0..4 {
                let writer = writer.clone();
                s.spawn(move || {
                    for i in 0..2000 {
                        (&writer).write_all(line(t, i).as_bytes()).unwrap();
                    }
                });
            }
        });
        drop(guard);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut next = [0; 4];
        for l in out.lines() {
            let mut parts = l.split(' ');
            let t: usize = parts.next().unwrap().parse().unwrap();
            let i: usize = parts.next().unwrap().parse().unwrap();
            assert_eq!(format!("{l}\n"), line(t, i));
            assert_eq!(i, next[t], "thread {t}'s lines in order");
            next[t] += 1;
        }
        assert_eq!(next, [2000; 4]);
    }

    /// The lines of the events `emit` logs, formatted by `line`.
    fn lines(line: Line, emit: impl FnOnce()) -> Vec<String> {
        #[derive(Clone, Default)]
        struct Capture(Arc<Mutex<Vec<u8>>>);
        impl io::Write for Capture {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let capture = Capture::default();
        let sink = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_max_level(tracing::Level::TRACE)
            .event_format(line)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        let out = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        out.lines().map(str::to_owned).collect()
    }

    /// Logs one event of every kind of field, and one `log` record.
    fn emit() {
        tracing::info!(
            target: "roster::api::call",
            n = 5u64,
            neg = -3i64,
            yes = true,
            ratio = 0.5f64,
            s = "a\"b\nc",
            d = %"shown",
            dbg = ?Some(1),
            "rpc {}",
            "done"
        );
        tracing::warn!(target: "roster", code = "Internal");
        let record = tracing_log::log::Record::builder()
            .args(format_args!("from log"))
            .level(tracing_log::log::Level::Info)
            .target("sled::pagecache")
            .module_path(Some("sled::pagecache"))
            .file(Some("pagecache.rs"))
            .line(Some(7))
            .build();
        tracing_log::format_trace(&record).unwrap();
    }

    /// Strips the timestamp of a text line, after checking its shape.
    fn untimed(line: &str) -> &str {
        let (timestamp, rest) = line.split_once(' ').unwrap();
        assert!(humantime::parse_rfc3339(timestamp).is_ok(), "{line}");
        rest
    }

    /// Text lines: level, target, message, then `name=value`, strings
    /// quoted and escaped; a `log` record under its own target without
    /// its `log.*` fields; colour only when asked.
    #[test]
    fn text_lines() {
        let lines = lines_of(Line::Text { colours: false });
        let plain: Vec<_> = lines.iter().map(|l| untimed(l)).collect();
        assert_eq!(
            plain,
            [
                r#" INFO roster::api::call: rpc done n=5 neg=-3 yes=true ratio=0.5 s="a\"b\nc" d=shown dbg=Some(1)"#,
                " WARN roster: code=\"Internal\"",
                " INFO sled::pagecache: from log",
            ]
        );
        let coloured = lines_of(Line::Text { colours: true });
        assert_eq!(
            untimed(&coloured[1]),
            "\x1b[33m WARN\x1b[0m roster: code=\"Internal\""
        );
    }

    fn lines_of(line: Line) -> Vec<String> {
        lines(line, emit)
    }

    /// JSON lines: the same events as objects, fields in order between
    /// `level` and `target`.
    #[test]
    fn json_lines() {
        let lines = lines_of(Line::Json);
        let parsed: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for value in &parsed {
            assert!(humantime::parse_rfc3339(value["timestamp"].as_str().unwrap()).is_ok());
        }
        // In the line's order (serde_json's map sorts its keys).
        let names = [
            "timestamp",
            "level",
            "message",
            "n",
            "neg",
            "yes",
            "ratio",
            "s",
            "d",
            "dbg",
            "target",
        ];
        let at: Vec<usize> = names
            .iter()
            .map(|n| lines[0].find(&format!("\"{n}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", lines[0]);
        assert_eq!(
            parsed[0],
            serde_json::json!({
                "timestamp": parsed[0]["timestamp"], "level": "INFO", "message": "rpc done",
                "n": 5, "neg": -3, "yes": true, "ratio": 0.5, "s": "a\"b\nc", "d": "shown",
                "dbg": "Some(1)", "target": "roster::api::call"
            })
        );
        assert_eq!(
            parsed[2],
            serde_json::json!({
                "timestamp": parsed[2]["timestamp"], "level": "INFO",
                "message": "from log", "target": "sled::pagecache"
            })
        );
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 99, 12_345, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    /// The time of a line is what tracing-subscriber writes, including
    /// across the second's cache.
    #[test]
    fn now_is_rfc3339_micros() {
        for _ in 0..3 {
            let before = std::time::SystemTime::now();
            let mut line = String::new();
            push_now(&mut line);
            let after = std::time::SystemTime::now();
            let parsed = humantime::parse_rfc3339(&line).unwrap();
            assert_eq!(line.len(), "2026-12-02T05:45:17.434774Z".len(), "{line}");
            let micro = Duration::from_micros(1);
            assert!(parsed + micro >= before && parsed <= after, "{line}");
            std::thread::sleep(Duration::from_millis(400));
        }
    }

    /// The escaping of every string, at every offset and length around the
    /// word-at-a-time scan, is serde_json's (for the characters tried here:
    /// serde_json writes backspace and form feed as `\b` and `\f`, this
    /// as `\u0008` and `\u000c`, the same string to a reader).
    #[test]
    fn escaping_matches_serde_json() {
        let pieces = [
            "a", "\"", "\\", "\n", "\u{1}", "\u{1f}", " ", "~", "é", "😀", "\u{7f}", "\t",
        ];
        let mut state = 7u64;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(state % 23) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            let mut ours = String::new();
            push_string(&mut ours, &s);
            let theirs = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<String>(&ours).unwrap(), s, "{ours}");
            // serde_json writes DEL raw and other controls as \u00XX or short forms.
            assert_eq!(ours, theirs, "{s:?}");
        }
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        push_string(&mut s, "a\"b\\c\nd\te\u{1}é");
        assert_eq!(s, r#""a\"b\\c\nd\te\u0001é""#);
        let parsed: String = serde_json::from_str(&s).unwrap();
        assert_eq!(parsed, "a\"b\\c\nd\te\u{1}é");
    }
}
