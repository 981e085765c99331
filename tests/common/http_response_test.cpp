#include <gtest/gtest.h>

#include "bottle/http/response.hpp"

using namespace bottle::http;

TEST(HttpResponse, StatusLinesCarryTheRegisteredReasonPhrase) {
  EXPECT_EQ(status_line(403), "HTTP/1.1 403 Forbidden\r\n");
  EXPECT_EQ(status_line(431), "HTTP/1.1 431 Request Header Fields Too Large\r\n");
  EXPECT_EQ(status_line(504), "HTTP/1.1 504 Gateway Timeout\r\n");
}

TEST(HttpResponse, AHeaderValueCannotEndItsLineOrAddAHeader) {
  EXPECT_EQ(header_line("X-Reason", "host not allowed: a.example"),
            "X-Reason: host not allowed: a.example\r\n");
  EXPECT_EQ(header_line("X-Reason", std::string("a\r\nSet-Cookie: x\0\x7f\tb", 20)),
            "X-Reason: a??Set-Cookie: x???b\r\n");
  EXPECT_EQ(header_line("X-Reason", "caf\xc3\xa9"), "X-Reason: caf\xc3\xa9\r\n");
}

TEST(HttpResponse, ACompleteResponseIsFramedByLengthAndClosesUnlessKeptAlive) {
  EXPECT_EQ(complete_response(403, {{"Content-Type", "text/plain"}}, "no\n"),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Connection: close\r\n\r\nno\n");
  EXPECT_EQ(complete_response(202, {}, "", true),
            "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
}
