/**
 * A port of the syntax checks of PCRE 8.x's pattern compiler (pcre_compile.c),
 * the library behind Erlang/OTP 27's `re`: the error re:compile/1 gives for
 * a pattern, with its text, offset and a fix. RabbitMQ compiles policy
 * patterns with it (rabbitmq-policies.ts).
 */
export { pcreCompileError } from "./pcre-parser";
export { pcreFix, type PcreError } from "./pcre-errors";
