package dev.roster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.roster.v1.AccessKey;
import dev.roster.v1.CreateAccessKeyRequest;
import dev.roster.v1.CreateOrganizationRequest;
import dev.roster.v1.CreateTenantRequest;
import dev.roster.v1.CreateUserRequest;
import dev.roster.v1.DelAccessKeyRequest;
import dev.roster.v1.DeleteOrganizationRequest;
import dev.roster.v1.DeleteTenantRequest;
import dev.roster.v1.DeleteUserRequest;
import dev.roster.v1.GetAccessKeyResponse;
import dev.roster.v1.GetUserInfoRequest;
import dev.roster.v1.GetUserInfoResponse;
import dev.roster.v1.ListUsersRequest;
import dev.roster.v1.ListUsersResponse;
import dev.roster.v1.Organization;
import dev.roster.v1.Tenant;
import dev.roster.v1.UpdateConfigRequest;
import dev.roster.v1.UpdateConfigResponse;
import dev.roster.v1.User;
import dev.roster.v1.UserServiceGrpc.UserServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * roster's Java client against a live server: ROSTER_ADDR (host:port) and
 * ROSTER_ADMIN_KEY (a super-admin's key) come from the environment, as
 * scripts/with-server sets them. Every test makes its own uniquely named
 * organizations and users, so the tests are independent of each other and of
 * whatever else the server holds.
 */
class UserServiceTest {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final AtomicInteger SEQ = new AtomicInteger();

  private static String addr;
  private static String adminKey;
  private static RosterClient admin;

  @BeforeAll
  static void connectAsAdmin() {
    addr = requiredEnv("ROSTER_ADDR");
    adminKey = requiredEnv("ROSTER_ADMIN_KEY");
    admin = RosterClient.connect(addr, adminKey);
  }

  @AfterAll
  static void closeAdmin() {
    if (admin != null) {
      admin.close();
    }
  }

  /**
   * The whole life of a user: organization, tenant, user; its first key issued
   * by the admin impersonating it; GetInfo and UpdateConfig with its own key;
   * DeleteAccessKey (the key then fails with UNAUTHENTICATED) and DeleteUser
   * (the listing then no longer shows it).
   */
  @Test
  void userLifecycle() {
    String org = unique("org");
    String tenant = unique("tenant");
    String user = unique("ada");
    UserServiceBlockingStub stub = admin.blocking();

    stub.createOrganization(
        CreateOrganizationRequest.newBuilder()
            .setOrganization(Organization.newBuilder().setId(org).setName("Java Test Org"))
            .build());
    stub.createTenant(
        CreateTenantRequest.newBuilder()
            .setTenant(Tenant.newBuilder().setId(tenant).setName("Java Test Tenant").setOrgId(org))
            .build());
    stub.createUser(
        CreateUserRequest.newBuilder()
            .setUser(
                User.newBuilder()
                    .setId(user)
                    .setName("Ada Lovelace")
                    .setEmail("ada@example.test")
                    .setTenantId(tenant)
                    .setOrgId(org)
                    .addRoles("tenant-admin")
                    .addRoles("app:billing")
                    .setVariables(struct("team", str("payments"))))
            .build());

    // The admin issues the user's first key by acting as the user.
    GetAccessKeyResponse created =
        stub.withInterceptors(RosterClient.impersonating(user))
            .createAccessKey(CreateAccessKeyRequest.newBuilder().setName("laptop").build());
    assertEquals(1, created.getAccessKeysCount());
    AccessKey key = created.getAccessKeys(0);
    assertEquals(user, key.getUserId());
    assertEquals("laptop", key.getName());
    assertTrue(key.getAccessKey().matches("rk_[0-9A-Za-z]{49}"), "secret format");
    assertTrue(key.getCreatedAt() > 0, "created_at set");
    assertEquals("", created.getNextPageToken());

    try (RosterClient asUser = RosterClient.connect(addr, key.getAccessKey())) {
      GetUserInfoResponse me = asUser.blocking().getInfo(GetUserInfoRequest.getDefaultInstance());
      assertEquals(user, me.getId());
      assertEquals("Ada Lovelace", me.getName());
      assertEquals("ada@example.test", me.getEmail());
      assertEquals(List.of("tenant-admin", "app:billing"), me.getRolesList());
      assertEquals(
          List.of(
              "self:access-keys", "self:config", "self:read",
              "tenants:read", "users:read", "users:write"),
          me.getPermissionsList());

      UpdateConfigResponse first =
          asUser
              .blocking()
              .updateConfig(
                  UpdateConfigRequest.newBuilder()
                      .setUpdated(
                          Struct.newBuilder()
                              .putFields("theme", str("dark"))
                              .putFields("font_size", num(14))
                              .putFields("beta", Value.newBuilder().setBoolValue(true).build()))
                      .build());
      assertEquals(
          Struct.newBuilder()
              .putFields("theme", str("dark"))
              .putFields("font_size", num(14))
              .putFields("beta", Value.newBuilder().setBoolValue(true).build())
              .build(),
          first.getConfigs());

      UpdateConfigResponse second =
          asUser
              .blocking()
              .updateConfig(
                  UpdateConfigRequest.newBuilder()
                      .setUpdated(struct("theme", str("light")))
                      .addDeleted("beta")
                      .build());
      assertEquals(
          Struct.newBuilder()
              .putFields("theme", str("light"))
              .putFields("font_size", num(14))
              .build(),
          second.getConfigs());

      asUser.blocking().deleteAccessKey(DelAccessKeyRequest.newBuilder().addNames("laptop").build());
      assertCode(
          Status.Code.UNAUTHENTICATED,
          () -> asUser.blocking().getInfo(GetUserInfoRequest.getDefaultInstance()));
    }

    assertEquals(List.of(user), userIds(listOrg(org, 0, "")));
    stub.deleteUser(DeleteUserRequest.newBuilder().setId(user).build());
    assertEquals(List.of(), userIds(listOrg(org, 0, "")));

    // Leave nothing behind (and check that empty ones can go).
    stub.deleteTenant(DeleteTenantRequest.newBuilder().setId(tenant).build());
    stub.deleteOrganization(DeleteOrganizationRequest.newBuilder().setId(org).build());
  }

  /** Five users in a fresh organization, pages of two: three pages in id order, the last token empty. */
  @Test
  void listUsersPagesWithTokens() {
    String org = unique("paging");
    admin
        .blocking()
        .createOrganization(
            CreateOrganizationRequest.newBuilder()
                .setOrganization(Organization.newBuilder().setId(org).setName("Paging"))
                .build());
    String prefix = unique("pager");
    List<String> ids = new ArrayList<>();
    // Created out of order, listed sorted by id.
    for (int n : new int[] {3, 1, 5, 2, 4}) {
      String id = prefix + "-" + n;
      admin
          .blocking()
          .createUser(
              CreateUserRequest.newBuilder()
                  .setUser(User.newBuilder().setId(id).setName("User " + n).setOrgId(org).addRoles("user"))
                  .build());
    }
    for (int n = 1; n <= 5; n++) {
      ids.add(prefix + "-" + n);
    }

    List<List<String>> pages = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    String token = "";
    do {
      ListUsersResponse page = listOrg(org, 2, token);
      pages.add(userIds(page));
      token = page.getNextPageToken();
      tokens.add(token);
    } while (!token.isEmpty() && pages.size() < 10);

    assertEquals(
        List.of(ids.subList(0, 2), ids.subList(2, 4), ids.subList(4, 5)), pages);
    assertEquals(3, tokens.size());
    assertTrue(!tokens.get(0).isEmpty() && !tokens.get(1).isEmpty(), "tokens of the first two pages");
    assertEquals("", tokens.get(2));
  }

  /**
   * A plain user calling CreateOrganization gets PERMISSION_DENIED with an
   * ErrorInfo detail. The user's key comes from a client impersonating it for
   * every call (the builder's impersonate).
   */
  @Test
  void permissionDeniedForPlainUser() throws InvalidProtocolBufferException {
    String user = unique("plain");
    admin
        .blocking()
        .createUser(
            CreateUserRequest.newBuilder()
                .setUser(User.newBuilder().setId(user).setName("Plain").setOrgId("default").addRoles("user"))
                .build());
    String secret;
    try (RosterClient actingAsUser = RosterClient.builder(addr, adminKey).impersonate(user).build()) {
      assertEquals(
          user, actingAsUser.blocking().getInfo(GetUserInfoRequest.getDefaultInstance()).getId());
      secret =
          actingAsUser
              .blocking()
              .createAccessKey(CreateAccessKeyRequest.newBuilder().setName("k1").build())
              .getAccessKeys(0)
              .getAccessKey();
    }

    try (RosterClient asUser = RosterClient.connect(addr, secret)) {
      StatusRuntimeException e =
          assertCode(
              Status.Code.PERMISSION_DENIED,
              () ->
                  asUser
                      .blocking()
                      .createOrganization(
                          CreateOrganizationRequest.newBuilder()
                              .setOrganization(
                                  Organization.newBuilder().setId(unique("nope")).setName("Nope"))
                              .build()));
      com.google.rpc.Status status = StatusProto.fromThrowable(e);
      assertEquals(Status.Code.PERMISSION_DENIED.value(), status.getCode());
      ErrorInfo info = onlyDetail(status, ErrorInfo.class);
      assertEquals("PERMISSION_DENIED", info.getReason());
      assertEquals("roster.v1", info.getDomain());
    }
  }

  /** CreateUser with id "bad id": INVALID_ARGUMENT with a BadRequest field violation on user.id. */
  @Test
  void invalidArgumentCarriesBadRequest() throws InvalidProtocolBufferException {
    StatusRuntimeException e =
        assertCode(
            Status.Code.INVALID_ARGUMENT,
            () ->
                admin
                    .blocking()
                    .createUser(
                        CreateUserRequest.newBuilder()
                            .setUser(User.newBuilder().setId("bad id").setName("Bad"))
                            .build()));
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), status.getCode());
    BadRequest badRequest = onlyDetail(status, BadRequest.class);
    assertEquals(1, badRequest.getFieldViolationsCount());
    assertEquals("user.id", badRequest.getFieldViolations(0).getField());
    assertTrue(e.getStatus().getDescription().contains("user.id"), "message names the field");
  }

  /** A 1 ms per-call deadline on ListUsers expires: the caller sees DEADLINE_EXCEEDED. */
  @Test
  void expiredPerCallDeadlineIsDeadlineExceeded() {
    assertCode(
        Status.Code.DEADLINE_EXCEEDED,
        () ->
            admin
                .blocking()
                .withDeadlineAfter(1, TimeUnit.MILLISECONDS)
                .listUsers(ListUsersRequest.getDefaultInstance()));
  }

  /**
   * The builder's default deadline bounds calls whose stub sets none (1 ns:
   * expired before the call starts), and a stub's own deadline replaces it.
   */
  @Test
  void defaultDeadlineAppliesUnlessTheStubSetsOne() {
    try (RosterClient hasty =
        RosterClient.builder(addr, adminKey).defaultDeadline(Duration.ofNanos(1)).build()) {
      assertCode(
          Status.Code.DEADLINE_EXCEEDED,
          () -> hasty.blocking().getInfo(GetUserInfoRequest.getDefaultInstance()));
      GetUserInfoResponse me =
          hasty
              .blocking()
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .getInfo(GetUserInfoRequest.getDefaultInstance());
      assertEquals("admin", me.getId());
    }
  }

  /** close() shuts the channel down: later calls fail with UNAVAILABLE. */
  @Test
  void closeShutsTheChannelDown() {
    RosterClient client = RosterClient.connect(addr, adminKey);
    assertEquals("admin", client.blocking().getInfo(GetUserInfoRequest.getDefaultInstance()).getId());
    client.close();
    assertCode(
        Status.Code.UNAVAILABLE,
        () -> client.blocking().getInfo(GetUserInfoRequest.getDefaultInstance()));
  }

  // ---- helpers ----

  private static String requiredEnv(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      fail(name + " is not set: run the tests through scripts/with-server (see clients/java/README.md)");
    }
    return value;
  }

  private static String unique(String what) {
    return "java-" + what + "-" + RUN + "-" + SEQ.incrementAndGet();
  }

  private static ListUsersResponse listOrg(String org, int pageSize, String pageToken) {
    return admin
        .blocking()
        .listUsers(
            ListUsersRequest.newBuilder()
                .setLookupOrgId(org)
                .setPageSize(pageSize)
                .setPageToken(pageToken)
                .build());
  }

  private static List<String> userIds(ListUsersResponse page) {
    List<String> ids = new ArrayList<>();
    page.getUsersList().forEach(u -> ids.add(u.getId()));
    return ids;
  }

  private static StatusRuntimeException assertCode(Status.Code code, Supplier<?> call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
    assertEquals(code, e.getStatus().getCode(), () -> "status: " + e.getStatus());
    return e;
  }

  /** The one detail of type {@code type} in a google.rpc.Status. */
  private static <T extends com.google.protobuf.Message> T onlyDetail(
      com.google.rpc.Status status, Class<T> type) throws InvalidProtocolBufferException {
    T found = null;
    for (Any detail : status.getDetailsList()) {
      if (detail.is(type)) {
        assertEquals(null, found, "one " + type.getSimpleName() + " detail");
        found = detail.unpack(type);
      }
    }
    if (found == null) {
      fail("no " + type.getSimpleName() + " detail in " + status);
    }
    return found;
  }

  private static Struct struct(String key, Value value) {
    return Struct.newBuilder().putFields(key, value).build();
  }

  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value num(double d) {
    return Value.newBuilder().setNumberValue(d).build();
  }
}
