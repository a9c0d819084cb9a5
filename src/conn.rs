//! Bounds on connections, so that floods of idle connections cannot take
//! the server down (docs/contract.md §8):
//!
//! - at most `--max-connections` at once: past that roster stops accepting
//!   (new connections wait in the kernel's backlog) until one closes;
//! - a connection must send its first bytes within `--handshake-timeout`,
//!   else it is closed; with TLS (`crate::tls`), the TLS handshake and the
//!   first bytes of the request within it. (After the HTTP/2 handshake,
//!   keepalive pings and `--max-connection-age` take over.)

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{ready, Context, Poll},
    time::Duration,
};

use prometheus_client::metrics::gauge::Gauge;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Sleep,
};
use tokio_stream::Stream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::tls::Tls;

type Acquire = Pin<Box<dyn Future<Output = OwnedSemaphorePermit> + Send>>;

/// Accepted connections, at most `max` open at once.
pub struct Limited<S> {
    inner: S,
    permits: Arc<Semaphore>,
    /// A permit held for the next accepted connection.
    permit: Option<OwnedSemaphorePermit>,
    acquiring: Option<Acquire>,
    handshake_timeout: Duration,
    tls: Option<Arc<Tls>>,
    /// Counts open connections, when metrics are on.
    open: Option<Gauge>,
}

impl<S> Limited<S> {
    /// Wraps a stream of accepted connections, each a TLS server connection
    /// when `tls` is given.
    pub fn new(inner: S, max: usize, handshake_timeout: Duration, tls: Option<Arc<Tls>>) -> Self {
        Limited {
            inner,
            permits: Arc::new(Semaphore::new(max)),
            permit: None,
            acquiring: None,
            handshake_timeout,
            tls,
            open: None,
        }
    }

    /// Counts the open connections in `open` (for `/metrics`).
    pub fn counting(mut self, open: Gauge) -> Self {
        self.open = Some(open);
        self
    }
}

impl<S> Stream for Limited<S>
where
    S: Stream<Item = io::Result<TcpStream>> + Unpin,
{
    type Item = io::Result<Guarded>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.permit.is_none() {
            let permits = this.permits.clone();
            let acquiring = this.acquiring.get_or_insert_with(|| {
                Box::pin(async move {
                    permits
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed")
                })
            });
            this.permit = Some(ready!(acquiring.as_mut().poll(cx)));
            this.acquiring = None;
        }
        match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
            Some(Ok(stream)) => {
                let permit = this.permit.take().expect("acquired above");
                let info = stream.connect_info();
                let stream = match &this.tls {
                    Some(tls) => Transport::Handshake(Box::new(tls.accept(stream))),
                    None => Transport::Plain(stream),
                };
                Poll::Ready(Some(Ok(Guarded {
                    stream,
                    info,
                    first_bytes: Some(Box::pin(tokio::time::sleep(this.handshake_timeout))),
                    _permit: permit,
                    _open: this.open.clone().map(Open::new),
                })))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => Poll::Ready(None),
        }
    }
}

/// An accepted connection holding its slot until it closes.
pub struct Guarded {
    stream: Transport,
    info: TcpConnectInfo,
    /// Until the first bytes arrive: when they must have arrived by.
    first_bytes: Option<Pin<Box<Sleep>>>,
    _permit: OwnedSemaphorePermit,
    _open: Option<Open>,
}

/// One open connection in a gauge of them, until dropped.
struct Open(Gauge);

impl Open {
    fn new(gauge: Gauge) -> Self {
        gauge.inc();
        Open(gauge)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The connection's byte stream: plain TCP, or TLS once its handshake (run
/// on the first read or write) is done.
enum Transport {
    Plain(TcpStream),
    Handshake(Box<tokio_rustls::Accept<TcpStream>>),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// The handshake failed; the connection is being closed.
    Failed,
}

impl Transport {
    /// Completes the TLS handshake if one is under way.
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Transport::Handshake(accept) = self {
            match ready!(Pin::new(accept.as_mut()).poll(cx)) {
                Ok(stream) => *self = Transport::Tls(Box::new(stream)),
                Err(e) => {
                    *self = Transport::Failed;
                    return Poll::Ready(Err(e));
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// The stream to read and write, once any handshake is done.
    fn io(&mut self) -> io::Result<Pin<&mut (dyn Io + Send)>> {
        match self {
            Transport::Plain(stream) => Ok(Pin::new(stream)),
            Transport::Tls(stream) => Ok(Pin::new(stream.as_mut())),
            Transport::Handshake(_) | Transport::Failed => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the TLS handshake did not complete",
            )),
        }
    }
}

/// What a [`Transport`] reads and writes through.
trait Io: AsyncRead + AsyncWrite + Unpin {}
impl<T: AsyncRead + AsyncWrite + Unpin> Io for T {}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let filled = buf.filled().len();
        let read = match this.stream.poll_handshake(cx) {
            Poll::Ready(Ok(())) => match this.stream.io() {
                Ok(io) => io.poll_read(cx, buf),
                Err(e) => Poll::Ready(Err(e)),
            },
            other => other,
        };
        match read {
            Poll::Ready(result) => {
                if buf.filled().len() > filled {
                    this.first_bytes = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                let expired = this
                    .first_bytes
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if expired {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent nothing within the handshake timeout",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.stream.poll_handshake(cx))?;
        self.stream.io()?.poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.stream.poll_handshake(cx))?;
        self.stream.io()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.stream {
            // Nothing was said over TLS yet: close the socket itself.
            Transport::Handshake(_) | Transport::Failed => Poll::Ready(Ok(())),
            stream => stream.io()?.poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.stream.poll_handshake(cx))?;
        self.stream.io()?.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Transport::Plain(stream) => stream.is_write_vectored(),
            // tokio-rustls gathers the slices into its records.
            _ => true,
        }
    }
}

impl Connected for Guarded {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.info.clone()
    }
}
