#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <functional>
#include <string_view>

namespace egress {

// A Beast body type that keeps nothing: each piece of body the parser
// decodes (chunk framing removed) goes to `sink` at once. This is how egress
// streams a clone of any size through a fixed amount of memory.
struct SinkBody {
  struct value_type {
    std::function<void(std::string_view)> sink;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      std::size_t used = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer piece = *it;
        if (piece.size() > 0 && body_.sink) {
          body_.sink(std::string_view(static_cast<const char*>(piece.data()), piece.size()));
        }
        used += piece.size();
      }
      return used;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace egress
