//! Bounds on connections, so that floods of idle connections cannot take
//! the server down (docs/contract.md §8):
//!
//! - at most `--max-connections` at once: past that roster stops accepting
//!   (new connections wait in the kernel's backlog) until one closes;
//! - a connection must send its first bytes within `--handshake-timeout`,
//!   else it is closed. (After the HTTP/2 handshake, keepalive pings and
//!   `--max-connection-age` take over.)

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

type Acquire = Pin<Box<dyn Future<Output = OwnedSemaphorePermit> + Send>>;

/// Accepted connections, at most `max` open at once.
pub struct Limited<S> {
    inner: S,
    permits: Arc<Semaphore>,
    /// A permit held for the next accepted connection.
    permit: Option<OwnedSemaphorePermit>,
    acquiring: Option<Acquire>,
    handshake_timeout: Duration,
    /// Counts open connections, when metrics are on.
    open: Option<Gauge>,
}

impl<S> Limited<S> {
    /// Wraps a stream of accepted connections.
    pub fn new(inner: S, max: usize, handshake_timeout: Duration) -> Self {
        Limited {
            inner,
            permits: Arc::new(Semaphore::new(max)),
            permit: None,
            acquiring: None,
            handshake_timeout,
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
                Poll::Ready(Some(Ok(Guarded {
                    stream,
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
    stream: TcpStream,
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

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let filled = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
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
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

impl Connected for Guarded {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}
