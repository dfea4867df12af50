#pragma once
// The one JSON writer of istmo (RFC 8259): every JSON text the library, the C API and the CLI
// print is written through it, so escaping, UTF-8 and separators are right in one place.
//
//   JsonWriter w;
//   w.begin_object().key("indication").value("TOTAL_PASSED").key("cufe").null().end_object();
//   std::string text = std::move(w).take();
//
// Strings are checked to be UTF-8; a byte that does not start a well-formed sequence is written
// as U+FFFD, so the output is always valid JSON. Misuse (a value where a key is due, unbalanced
// ends) is a programming error, checked by assertions only.
//
// Thread safety: one writer per thread; plain value.
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::report {

class ISTMO_API JsonWriter {
public:
    JsonWriter() = default;
    // Appends to an existing text (e.g. a reserved buffer).
    explicit JsonWriter(std::string initial) : m_out(std::move(initial)) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(bool flag);
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(std::uint64_t number);
    // A finite double with the given digits after the point ("%.*f"); NaN/inf become null.
    JsonWriter& value(double number, int decimals);
    JsonWriter& null();
    // The string, or null when it is empty ("none" is null in istmo's JSON, never "").
    JsonWriter& string_or_null(std::string_view text);
    // An already written JSON value (e.g. a nested report's to_json()), inserted as is.
    JsonWriter& raw(std::string_view json);
    // key(name).value(...) in one call.
    template <class T>
    JsonWriter& member(std::string_view name, const T& v) { return key(name).value(v); }
    // A JSON array of strings.
    JsonWriter& strings(const std::vector<std::string>& items);

    [[nodiscard]] const std::string& text() const noexcept { return m_out; }
    [[nodiscard]] std::string take() && { return std::move(m_out); }

private:
    void separate();
    JsonWriter& open(char bracket);
    JsonWriter& close(char bracket);
    std::string m_out;
    std::vector<bool> m_has_item;  // per open container: an item was written (a comma is due)
    bool m_after_key = false;
};

// The findings as a JSON array in the one shape of docs/report-json.md: objects with code,
// severity, message (English), message_es (Spanish), location, field, rule (null when empty)
// and line (null when unknown).
ISTMO_API void write_findings(JsonWriter& w, const std::vector<Finding>& findings);
ISTMO_API void write_finding(JsonWriter& w, const Finding& finding);

}  // namespace istmo::report
