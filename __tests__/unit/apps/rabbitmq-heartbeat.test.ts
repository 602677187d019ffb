import { HEARTBEAT_SECONDS, withHeartbeat } from "../../../apps/shared/rabbitmq-connection";

describe("withHeartbeat: the RabbitMQ apps ask for a short AMQP heartbeat", () => {
  test.each([
    ["amqp://app:secret@rabbit-1:5672/%2F", "amqp://app:secret@rabbit-1:5672/%2F?heartbeat=5"],
    ["amqps://app:secret@rabbit-1/", "amqps://app:secret@rabbit-1/?heartbeat=5"],
    ["amqp://rabbit", "amqp://rabbit?heartbeat=5"],
    ["amqp://app:secret@rabbit/vh?frameMax=8192", "amqp://app:secret@rabbit/vh?frameMax=8192&heartbeat=5"],
    ["amqp://app:secret@rabbit/vh?", "amqp://app:secret@rabbit/vh?heartbeat=5"],
    ["amqp://app:secret@rabbit/vh#frag", "amqp://app:secret@rabbit/vh?heartbeat=5#frag"],
  ])("%s gets heartbeat=5 in its query, nothing else changed", (url, expected) => {
    expect(HEARTBEAT_SECONDS).toBe(5);
    expect(withHeartbeat(url)).toBe(expected);
  });

  test("a heartbeat the URL names wins, 0 (off) included", () => {
    for (const url of ["amqp://app:secret@rabbit/vh?heartbeat=30", "amqp://app:secret@rabbit/vh?frameMax=8192&heartbeat=0"]) {
      expect(withHeartbeat(url)).toBe(url);
    }
  });

  test("a password is passed on as written: not re-encoded (amqplib decodes it with unescape, Latin-1)", () => {
    const url = "amqp://app:pässwörd%2Bx@rabbit:5672/%2F";
    expect(withHeartbeat(url)).toBe(`${url}?heartbeat=5`);
  });
});
