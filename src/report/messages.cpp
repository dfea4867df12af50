#include <istmo/report/messages.hpp>

#include "report/catalog_data.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <utility>
#include <vector>

namespace istmo::report {

namespace {

// A template split into literals and parameters: literal[0] param[0] literal[1] ... literal[n].
struct Parsed {
    std::vector<std::string_view> literals;
    std::vector<int> params;  // 1-based parameter numbers
};

// "{12}" at text[at] -> 12 and its length; "{t3}" / "{s3}" give the same with the flag char.
struct Placeholder {
    int number = 0;
    char flag = 0;  // 0, 't' (translate when known) or 's' (must translate)
    std::size_t length = 0;
};

std::optional<Placeholder> placeholder_at(std::string_view text, std::size_t at) {
    if (text[at] != '{') return std::nullopt;
    Placeholder p;
    std::size_t i = at + 1;
    if (i < text.size() && (text[i] == 't' || text[i] == 's')) p.flag = text[i++];
    const std::size_t digits = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) p.number = p.number * 10 + (text[i++] - '0');
    if (i == digits || i >= text.size() || text[i] != '}') return std::nullopt;
    p.length = i + 1 - at;
    return p;
}

Parsed parse_template(std::string_view text) {
    Parsed out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto p = placeholder_at(text, i);
        if (!p) continue;
        out.literals.push_back(text.substr(start, i - start));
        out.params.push_back(p->number);
        i += p->length - 1;
        start = i + 1;
    }
    out.literals.push_back(text.substr(start));
    return out;
}

// Matches parameter `index` onwards against text[pos..]; fills values (by parameter number).
bool match_from(const Parsed& t, std::size_t index, std::string_view text, std::size_t pos,
                std::vector<std::string_view>& values) {
    const std::string_view after = t.literals[index + 1];
    const auto take = [&](std::size_t end) {
        const auto n = static_cast<std::size_t>(t.params[index]);
        if (values.size() < n) values.resize(n);
        values[n - 1] = text.substr(pos, end - pos);
    };
    if (index + 1 == t.params.size()) {  // the last parameter runs up to the final literal
        if (text.size() < pos + after.size() || text.substr(text.size() - after.size()) != after) return false;
        take(text.size() - after.size());
        return true;
    }
    for (std::size_t q = text.find(after, pos); q != std::string_view::npos; q = text.find(after, q + 1)) {
        take(q);
        if (match_from(t, index + 1, text, q + after.size(), values)) return true;
        if (after.empty()) break;
    }
    return false;
}

std::optional<std::vector<std::string_view>> match(const Parsed& t, std::string_view text) {
    if (t.params.empty()) {
        if (text != t.literals.front()) return std::nullopt;
        return std::vector<std::string_view>{};
    }
    if (text.substr(0, t.literals.front().size()) != t.literals.front()) return std::nullopt;
    std::vector<std::string_view> values;
    if (!match_from(t, 0, text, t.literals.front().size(), values)) return std::nullopt;
    return values;
}

// A template that is (almost) all parameters, "{1}" or "{1} ({2})": it matches any text.
bool is_catch_all(const Parsed& t) {
    std::size_t literal = 0;
    for (auto piece : t.literals) literal += piece.size();
    return !t.params.empty() && literal < 4;
}

struct Index {
    std::vector<CatalogEntry> codes;  // sorted by code
    std::vector<CatalogEntry> forms;
    std::vector<Parsed> parsed_en;    // forms[i].en split once
    std::unordered_map<std::string_view, std::pair<std::size_t, std::size_t>> forms_of;  // code -> [begin, end)
};

Index build_index() {
    Index index;
    for (auto part : {detail::signature_codes(), detail::timestamp_codes(), detail::invoice_codes(), detail::batch_codes()})
        index.codes.insert(index.codes.end(), part.begin(), part.end());
    std::sort(index.codes.begin(), index.codes.end(),
              [](const CatalogEntry& a, const CatalogEntry& b) { return a.code < b.code; });
    for (auto part : {detail::signature_forms(), detail::timestamp_forms(), detail::batch_forms(), detail::phrases(),
                      detail::error_phrases()})
        index.forms.insert(index.forms.end(), part.begin(), part.end());
    // Forms of one code stay in their written order (the first that matches wins).
    std::stable_sort(index.forms.begin(), index.forms.end(),
                     [](const CatalogEntry& a, const CatalogEntry& b) { return a.code < b.code; });
    for (const CatalogEntry& form : index.forms) index.parsed_en.push_back(parse_template(form.en));
    for (std::size_t i = 0; i < index.forms.size(); ++i) {
        auto [it, fresh] = index.forms_of.try_emplace(index.forms[i].code, i, i + 1);
        if (!fresh) it->second.second = i + 1;
    }
    return index;
}

const Index& index() {
    static const Index built = build_index();
    return built;
}

std::optional<std::string> translate_nested(std::string_view text, int depth);

// The Spanish template filled with the values; nullopt when a {sN} value has no translation.
std::optional<std::string> render(std::string_view es_template, const std::vector<std::string_view>& values, int depth) {
    std::string out;
    out.reserve(es_template.size() + 32);
    for (std::size_t i = 0; i < es_template.size(); ++i) {
        const auto p = placeholder_at(es_template, i);
        if (!p) {
            out += es_template[i];
            continue;
        }
        const std::string_view value =
            p->number >= 1 && static_cast<std::size_t>(p->number) <= values.size() ? values[p->number - 1] : std::string_view();
        if (p->flag == 0) {
            out += value;
        } else if (auto translated = translate_nested(value, depth + 1)) {
            out += *translated;
        } else if (p->flag == 's') {
            return std::nullopt;
        } else {
            out += value;
        }
        i += p->length - 1;
    }
    return out;
}

std::optional<std::string> translate_with(std::size_t begin, std::size_t end, std::string_view text, int depth,
                                          bool skip_catch_all) {
    const Index& idx = index();
    for (std::size_t i = begin; i < end; ++i) {
        const CatalogEntry& form = idx.forms[i];
        if (skip_catch_all && is_catch_all(idx.parsed_en[i])) continue;
        if (auto values = match(idx.parsed_en[i], text))
            if (auto out = render(form.es, *values, depth)) return out;
    }
    return std::nullopt;
}

// A text quoted inside a message: a phrase, or the message of any code (never a form that
// matches anything, which would only give the text back).
std::optional<std::string> translate_nested(std::string_view text, int depth) {
    if (depth > 4 || text.empty()) return std::nullopt;
    const Index& idx = index();
    if (auto it = idx.forms_of.find(std::string_view()); it != idx.forms_of.end())
        if (auto out = translate_with(it->second.first, it->second.second, text, depth, true)) return out;
    if (auto out = translate_with(0, idx.forms.size(), text, depth, true)) return out;
    // A finding made with its code's meaning as the message ("TSA-X: <meaning>" quoted in an error).
    for (const CatalogEntry& code : idx.codes)
        if (code.en == text) return std::string(code.es);
    return std::nullopt;
}

}  // namespace

std::span<const CatalogEntry> finding_catalog() noexcept { return index().codes; }

std::span<const CatalogEntry> message_forms() noexcept { return index().forms; }

const CatalogEntry* catalog_entry(std::string_view code) noexcept {
    const auto& codes = index().codes;
    for (;;) {
        auto it = std::lower_bound(codes.begin(), codes.end(), code,
                                   [](const CatalogEntry& e, std::string_view c) { return e.code < c; });
        if (it != codes.end() && it->code == code) return &*it;
        const auto dash = code.rfind('-');
        if (dash == std::string_view::npos || dash == 0) return nullptr;
        code = code.substr(0, dash);
    }
}

std::optional<std::string> translate_message(std::string_view code, std::string_view message_en) {
    const CatalogEntry* entry = catalog_entry(code);
    if (entry == nullptr) return std::nullopt;
    if (message_en == entry->en) return std::string(entry->es);
    const Index& idx = index();
    if (auto it = idx.forms_of.find(entry->code); it != idx.forms_of.end())
        if (auto out = translate_with(it->second.first, it->second.second, message_en, 0, false)) return out;
    return std::nullopt;
}

std::optional<std::string> translate_text(std::string_view text_en) {
    // Loaders append what they read: "<message> (<path>)"; the path stays as it is. A tail that is
    // not path-like ("... (JSON line 2, column 3)") belongs to the phrase and is matched with it.
    const auto open = text_en.rfind(" (");
    const bool tail = open != std::string_view::npos && text_en.back() == ')';
    const std::string_view inside = tail ? text_en.substr(open + 2, text_en.size() - open - 3) : std::string_view();
    const bool path_like = tail && (inside.find_first_of("/\\") != std::string_view::npos ||
                                    (inside.find(' ') == std::string_view::npos && inside.find('.') != std::string_view::npos));
    const auto with_tail_kept = [&]() -> std::optional<std::string> {
        if (auto out = translate_nested(text_en.substr(0, open), 0)) return *out + std::string(text_en.substr(open));
        return std::nullopt;
    };
    if (path_like)
        if (auto out = with_tail_kept()) return out;
    if (auto out = translate_nested(text_en, 0)) return out;
    if (tail && !path_like) return with_tail_kept();
    return std::nullopt;
}

std::string message_es_for(const Finding& finding) {
    if (!finding.message_es.empty()) return finding.message_es;
    if (auto out = translate_message(finding.code, finding.message)) return std::move(*out);
    const CatalogEntry* entry = catalog_entry(finding.code);
    return entry != nullptr ? std::string(entry->es) : std::string();
}

void localize(Finding& finding) {
    if (finding.message_es.empty()) finding.message_es = message_es_for(finding);
}

Finding make_finding(std::string code, Severity severity, std::string message_en, std::string location) {
    Finding f{std::move(code), severity, std::move(message_en), std::move(location)};
    localize(f);
    return f;
}

}  // namespace istmo::report
