package dev.roster.client;

import dev.roster.v1.UserServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a roster server that sends an access key on every call.
 *
 * <p>It owns one {@link ManagedChannel} and hands out the generated {@code
 * roster.v1.UserService} stubs on top of it. Every call made through them
 * carries {@code authorization: Bearer <key>}, optionally {@code
 * x-roster-impersonate-user: <user id>}, and a deadline: the stub's own when
 * one is set ({@code stub.withDeadlineAfter(...)}), else the client's default
 * ({@link #DEFAULT_DEADLINE} unless the builder says otherwise).
 *
 * <pre>{@code
 * try (RosterClient roster = RosterClient.connect("127.0.0.1:50051", key)) {
 *   GetUserInfoResponse me = roster.blocking().getInfo(GetUserInfoRequest.getDefaultInstance());
 * }
 * }</pre>
 *
 * <p>A client is thread-safe; make one per server and identity and share it.
 * {@link #close()} shuts its channel down.
 */
public final class RosterClient implements AutoCloseable {
  /** The metadata key of the access key, sent as {@code Bearer <key>}. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The metadata key that makes a call act as another user. */
  public static final Metadata.Key<String> IMPERSONATE_USER =
      Metadata.Key.of("x-roster-impersonate-user", Metadata.ASCII_STRING_MARSHALLER);

  /** The deadline of a call whose stub sets none, unless the builder sets another. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ManagedChannel managedChannel;
  private final Channel channel;
  private final UserServiceGrpc.UserServiceBlockingStub blocking;
  private final UserServiceGrpc.UserServiceFutureStub future;

  private RosterClient(Builder b) {
    this.managedChannel = Grpc.newChannelBuilder(b.target, b.credentials).build();
    this.channel =
        ClientInterceptors.intercept(
            managedChannel, new CallInterceptor(b.accessKey, b.impersonateUser, b.defaultDeadline));
    this.blocking = UserServiceGrpc.newBlockingStub(channel);
    this.future = UserServiceGrpc.newFutureStub(channel);
  }

  /**
   * Connects to {@code target} (e.g. {@code "127.0.0.1:50051"}, or any gRPC
   * target such as {@code "dns:///roster.internal:50051"}) in plaintext, sending
   * {@code accessKey} on every call. The connection is made on the first call.
   */
  public static RosterClient connect(String target, String accessKey) {
    return builder(target, accessKey).build();
  }

  /** A builder for a client with impersonation, another default deadline or TLS. */
  public static Builder builder(String target, String accessKey) {
    return new Builder(target, accessKey);
  }

  /**
   * The blocking stub. Failed calls throw {@link io.grpc.StatusRuntimeException}.
   * Stubs are immutable: {@code blocking().withDeadlineAfter(2, SECONDS)} is a new
   * stub whose calls get that deadline instead of the default.
   */
  public UserServiceGrpc.UserServiceBlockingStub blocking() {
    return blocking;
  }

  /** The future stub: each call returns a {@code ListenableFuture}; cancel it to cancel the call. */
  public UserServiceGrpc.UserServiceFutureStub future() {
    return future;
  }

  /**
   * The channel with this client's key, impersonation and default deadline, for
   * any other stub, e.g. {@code UserServiceGrpc.newStub(roster.channel())}.
   */
  public Channel channel() {
    return channel;
  }

  /**
   * An interceptor that makes the calls of one stub act as {@code userId},
   * overriding any impersonation set on the builder:
   * {@code roster.blocking().withInterceptors(RosterClient.impersonating("alice"))}.
   */
  public static ClientInterceptor impersonating(String userId) {
    Metadata headers = new Metadata();
    headers.put(IMPERSONATE_USER, requireNonEmpty(userId, "userId"));
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /**
   * Shuts the channel down: calls in flight may finish for up to 5 seconds, then
   * they are cancelled. New calls fail with UNAVAILABLE.
   */
  @Override
  public void close() {
    managedChannel.shutdown();
    try {
      if (!managedChannel.awaitTermination(CLOSE_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
        managedChannel.shutdownNow();
      }
    } catch (InterruptedException e) {
      managedChannel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Builds a {@link RosterClient}. */
  public static final class Builder {
    private final String target;
    private final String accessKey;
    private String impersonateUser;
    private Duration defaultDeadline = DEFAULT_DEADLINE;
    private ChannelCredentials credentials = InsecureChannelCredentials.create();

    private Builder(String target, String accessKey) {
      this.target = requireNonEmpty(target, "target");
      this.accessKey = requireNonEmpty(accessKey, "accessKey");
    }

    /** Every call acts as {@code userId} ({@code x-roster-impersonate-user}). */
    public Builder impersonate(String userId) {
      this.impersonateUser = requireNonEmpty(userId, "userId");
      return this;
    }

    /** The deadline of each call whose stub sets none; positive. */
    public Builder defaultDeadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("defaultDeadline must be positive, got " + deadline);
      }
      this.defaultDeadline = deadline;
      return this;
    }

    /**
     * The channel's credentials; plaintext by default (roster itself serves
     * plaintext, e.g. behind a mesh sidecar). Use {@code
     * TlsChannelCredentials.create()} for a server behind TLS.
     */
    public Builder credentials(ChannelCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    public RosterClient build() {
      return new RosterClient(this);
    }
  }

  /** Adds the key, the impersonation and the default deadline to each call. */
  private static final class CallInterceptor implements ClientInterceptor {
    private final String authorization;
    private final String impersonateUser;
    private final long defaultDeadlineNanos;

    CallInterceptor(String accessKey, String impersonateUser, Duration defaultDeadline) {
      this.authorization = "Bearer " + accessKey;
      this.impersonateUser = impersonateUser;
      this.defaultDeadlineNanos = defaultDeadline.toNanos();
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      if (options.getDeadline() == null) {
        options = options.withDeadlineAfter(defaultDeadlineNanos, TimeUnit.NANOSECONDS);
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          // Headers set closer to the call (a stub's interceptors) win.
          if (!headers.containsKey(AUTHORIZATION)) {
            headers.put(AUTHORIZATION, authorization);
          }
          if (impersonateUser != null && !headers.containsKey(IMPERSONATE_USER)) {
            headers.put(IMPERSONATE_USER, impersonateUser);
          }
          super.start(listener, headers);
        }
      };
    }
  }

  private static String requireNonEmpty(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return value;
  }
}
