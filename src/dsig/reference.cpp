#include "dsig/reference.hpp"

#include "dsig/algorithms.hpp"
#include "dsig/signature_value.hpp"
#include "xml/c14n.hpp"
#include "xml/document_impl.hpp"

namespace istmo::dsig {
namespace {

using xml::sv;

// Streams canonical octets into a digest, optionally keeping a copy.
class DigestSink final : public xml::ByteSink {
public:
    DigestSink(crypto::DigestAlg alg, std::string* copy) : m_ctx(alg), m_copy(copy) {}
    void write(const char* data, std::size_t size) override {
        m_ctx.update(data, size);
        if (m_copy) m_copy->append(data, size);
    }
    crypto::Bytes finish() { return m_ctx.finish(); }
private:
    crypto::DigestContext m_ctx;
    std::string* m_copy;
};

bool inside(const xmlNode* node, const xmlNode* ancestor) {
    for (const xmlNode* n = node; n; n = n->parent)
        if (n == ancestor) return true;
    return false;
}

ReferenceOutcome fail(ReferenceOutcome out, const char* code, std::string message) {
    out.failure_code = code;
    out.failure_message = std::move(message);
    return out;
}

// "#xpointer(id('x'))" or "#xpointer(id(\"x\"))" -> x; empty when another form.
std::string xpointer_id(std::string_view expr) {
    constexpr std::string_view head = "xpointer(id(";
    if (expr.substr(0, head.size()) != head || expr.size() < head.size() + 4) return {};
    std::string_view rest = expr.substr(head.size());
    char quote = rest.front();
    if ((quote != '\'' && quote != '"') || rest.substr(rest.size() - 2) != "))") return {};
    rest = rest.substr(1, rest.size() - 3);
    if (rest.empty() || rest.back() != quote) return {};
    rest.remove_suffix(1);
    if (rest.find(quote) != std::string_view::npos || rest.empty()) return {};
    return std::string(rest);
}

// The one XPath transform we accept: "not(ancestor-or-self::P:Signature)" with P bound to the
// XMLDSig namespace — the enveloped-signature transform written in XPath (XMLDSig §6.6.3).
// Recognised literally; no XPath engine runs.
bool is_enveloped_xpath(xmlDocPtr doc, const xmlNode* transform) {
    const xmlNode* xpath = xml::first_element_child(transform);
    if (!xml::is_element(xpath, uri::ds_ns, "XPath") || xml::next_element_sibling(xpath)) return false;
    std::string expr;
    for (char c : xml::text_content(xpath))
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') expr.push_back(c);
    constexpr std::string_view head = "not(ancestor-or-self::";
    constexpr std::string_view tail = ":Signature)";
    if (expr.size() <= head.size() + tail.size() || expr.compare(0, head.size(), head) != 0 ||
        expr.compare(expr.size() - tail.size(), tail.size(), tail) != 0)
        return false;
    const std::string prefix = expr.substr(head.size(), expr.size() - head.size() - tail.size());
    if (prefix.empty() || prefix.find_first_of(":()/[]*@") != std::string::npos) return false;
    xmlNsPtr ns = xmlSearchNs(doc, const_cast<xmlNode*>(xpath), xml::xc(prefix.c_str()));
    return ns && sv(ns->href) == uri::ds_ns;
}

// The XPath-Filter 2.0 form seen in real signatures: Filter="subtract" of every signature,
// written as //P:Signature, /descendant::P:Signature or /descendant::*[name()='P:Signature'].
// The name() form matches by prefix, so it is accepted only where prefix P and the XMLDSig
// namespace coincide on every element of the document. Recognised literally; no XPath engine.
bool is_signature_subtract_filter2(xmlDocPtr doc, const xmlNode* transform) {
    const xmlNode* xpath = xml::first_element_child(transform);
    if (!xml::is_element(xpath, uri::xpath_filter2, "XPath") || xml::next_element_sibling(xpath)) return false;
    std::string filter;
    if (!xml::get_attribute(xpath, "Filter", filter) || filter != "subtract") return false;
    std::string expr;
    for (char c : xml::text_content(xpath))
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') expr.push_back(c);
    std::string prefix;
    bool by_name = false;
    for (std::string_view head : {"//", "/descendant::"}) {
        if (expr.rfind(head, 0) == 0 && expr.size() > head.size() + 10 && expr.compare(expr.size() - 10, 10, ":Signature") == 0) {
            prefix = expr.substr(head.size(), expr.size() - head.size() - 10);
            break;
        }
    }
    constexpr std::string_view name_head = "/descendant::*[name()='";
    constexpr std::string_view name_tail = ":Signature']";
    if (prefix.empty() && expr.rfind(name_head, 0) == 0 && expr.size() > name_head.size() + name_tail.size() &&
        expr.compare(expr.size() - name_tail.size(), name_tail.size(), name_tail) == 0) {
        prefix = expr.substr(name_head.size(), expr.size() - name_head.size() - name_tail.size());
        by_name = true;
    }
    if (prefix.empty() || prefix.find_first_of(":()/[]*@'\"=") != std::string::npos) return false;
    if (!by_name) {
        xmlNsPtr ns = xmlSearchNs(doc, const_cast<xmlNode*>(xpath), xml::xc(prefix.c_str()));
        return ns && sv(ns->href) == uri::ds_ns;
    }
    bool consistent = true;
    xml::for_each_element(doc, [&](const xmlNode* n) {
        const bool named = sv(n->name) == "Signature" && n->ns && n->ns->prefix && sv(n->ns->prefix) == prefix;
        consistent = named == xml::is_element(n, uri::ds_ns, "Signature");
        return consistent ? xml::Walk::descend : xml::Walk::stop;
    });
    return consistent;
}

void add_id(IdIndex& index, const std::string& value, const xmlNode* element) {
    auto [it, inserted] = index.elements.emplace(value, element);
    if (!inserted && it->second != element) index.duplicates.insert(value);
}

}  // namespace

IdIndex build_id_index(xmlDocPtr doc) {
    IdIndex index;
    xml::for_each_element(doc, [&](const xmlNode* node) {
        for (const xmlAttr* attr = node->properties; attr; attr = attr->next) {
            std::string_view name = sv(attr->name);
            bool is_id = false;
            if (!attr->ns) is_id = name == "Id" || name == "ID" || name == "id";
            else is_id = name == "id" && sv(attr->ns->href) == "http://www.w3.org/XML/1998/namespace";
            if (!is_id) continue;
            internal::XmlCharsPtr value(xmlNodeListGetString(doc, attr->children, 1));
            add_id(index, value ? std::string(sv(value.get())) : std::string(), node);
        }
        return xml::Walk::descend;
    });
    return index;
}

ReferenceOutcome process_reference(xmlDocPtr doc, const xmlNode* reference, const xmlNode* signature,
                                   const IdIndex& ids, crypto::DigestAlg digest, bool keep_octets,
                                   std::size_t max_transforms, const WholeDocumentDigester* whole_document,
                                   const std::function<std::optional<crypto::Bytes>(std::string_view)>* detached) {
    ReferenceOutcome out;

    // 1. Dereference the URI (same-document only).
    std::string uri;
    if (!xml::get_attribute(reference, "URI", uri))
        return fail(std::move(out), "DSIG-REF-NOT-FOUND", "Reference without URI: the signed data is not identified");
    bool keep_comments = false;
    if (uri.empty()) {
        out.target = reinterpret_cast<const xmlNode*>(doc);
    } else if (uri.front() != '#') {
        std::optional<crypto::Bytes> content;
        if (detached && *detached) content = (*detached)(uri);
        if (!content)
            return fail(std::move(out), "DSIG-REF-EXTERNAL",
                        "Reference URI \"" + uri + "\" points outside the document; external data is never fetched");
        // Caller-supplied detached octets: digested as they are; transforms are not supported.
        if (const xmlNode* t = xml::first_element_child(reference); t && xml::is_element(t, uri::ds_ns, "Transforms"))
            for (const xmlNode* tr = xml::first_element_child(t); tr; tr = xml::next_element_sibling(tr)) {
                std::string algorithm;
                xml::get_attribute(tr, "Algorithm", algorithm);
                out.transforms.push_back(algorithm);
            }
        if (!out.transforms.empty())
            return fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "transforms on detached content are not supported");
        out.digest = crypto::digest(digest, *content);
        if (keep_octets) out.octets.assign(content->begin(), content->end());
        return out;
    } else {
        std::string_view fragment = std::string_view(uri).substr(1);
        std::string id;
        if (fragment == "xpointer(/)") {
            out.target = reinterpret_cast<const xmlNode*>(doc);
            keep_comments = true;
        } else if (fragment.substr(0, 9) == "xpointer(") {
            id = xpointer_id(fragment);
            if (id.empty())
                return fail(std::move(out), "DSIG-REF-UNSUPPORTED-URI",
                            "Reference URI \"" + uri + "\" uses an XPointer form that is not supported");
            keep_comments = true;
        } else {
            id = std::string(fragment);
        }
        if (!out.target) {
            if (ids.duplicates.count(id))
                return fail(std::move(out), "DSIG-ID-DUPLICATE",
                            "Id \"" + id + "\" is carried by more than one element: the signed element is ambiguous");
            auto it = ids.elements.find(id);
            if (it == ids.elements.end())
                return fail(std::move(out), "DSIG-REF-NOT-FOUND", "no element has Id \"" + id + "\"");
            out.target = it->second;
        }
    }

    // 2. Transforms: any number of enveloped-signature, then at most one canonicalization, or
    //    a single base64 decode. Everything else is refused.
    std::optional<xml::C14nMethod> c14n;
    bool base64 = false;
    const xmlNode* transforms = xml::first_element_child(reference);
    if (transforms && xml::is_element(transforms, uri::ds_ns, "Transforms")) {
        std::size_t count = 0;
        for (const xmlNode* t = xml::first_element_child(transforms); t; t = xml::next_element_sibling(t)) {
            if (!xml::is_element(t, uri::ds_ns, "Transform"))
                return fail(std::move(out), "DSIG-STRUCTURE", "unexpected element inside ds:Transforms");
            if (++count > max_transforms)
                return fail(std::move(out), "DSIG-TOO-MANY", "too many transforms in one Reference");
            std::string algorithm;
            xml::get_attribute(t, "Algorithm", algorithm);
            out.transforms.push_back(algorithm);
            if (c14n || base64)
                return fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN",
                            "transform " + algorithm + " after a canonicalization or base64 transform is not supported");
            if (algorithm == uri::enveloped) {
                out.enveloped = true;
            } else if (auto method = c14n_from_uri(algorithm)) {
                c14n = *method;
                if (method->algorithm == xml::C14nAlgorithm::exclusive_1_0) {
                    for (const xmlNode* p = xml::first_element_child(t); p; p = xml::next_element_sibling(p)) {
                        if (!xml::is_element(p, uri::exc_c14n_ns, "InclusiveNamespaces")) continue;
                        std::string list;
                        xml::get_attribute(p, "PrefixList", list);
                        std::size_t pos = 0;
                        while (pos < list.size()) {
                            std::size_t end = list.find_first_of(" \t\r\n", pos);
                            if (end == std::string::npos) end = list.size();
                            if (end > pos) c14n->inclusive_prefixes.push_back(list.substr(pos, end - pos));
                            pos = end + 1;
                        }
                    }
                }
            } else if (algorithm == uri::base64) {
                if (out.enveloped)
                    return fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "base64 after enveloped-signature is not supported");
                base64 = true;
            } else if (algorithm == uri::xpath && is_enveloped_xpath(doc, t)) {
                out.exclude_all_signatures = true;
            } else if (algorithm == uri::xpath_filter2 && !whole_document && is_signature_subtract_filter2(doc, t)) {
                out.exclude_all_signatures = true;
            } else if (algorithm == uri::xpath_filter2 && whole_document) {
                // The prefix check needs the whole document: let the DOM path decide.
                return fail(std::move(out), k_stream_fallback, "needs the DOM path");
            } else if (algorithm == uri::xslt || algorithm == uri::xpath || algorithm == uri::xpath_filter2 ||
                       algorithm == uri::decrypt_xml) {
                return fail(std::move(out), "DSIG-TRANSFORM-FORBIDDEN",
                            "transform " + algorithm + " is refused (XSLT/XPath transforms are an attack surface)");
            } else {
                return fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "unknown transform " + algorithm);
            }
        }
    }

    // The XPath form of the enveloped transform, evaluated in the document, removes every node
    // of a target that lies inside a ds:Signature (a counter-signature's reference to its
    // parent's SignatureValue): the digest would be over nothing. The producers of such
    // references (.NET, Santuario) apply the filter within the referenced subtree; when that
    // subtree holds no signature, that is the identity, and the caller is told (a warning).
    if (out.exclude_all_signatures && out.target && out.target->type == XML_ELEMENT_NODE) {
        bool under_signature = false;
        for (const xmlNode* n = out.target->parent; n && !under_signature; n = n->parent)
            under_signature = xml::is_element(n, uri::ds_ns, "Signature");
        if (under_signature) {
            bool holds_signature = false;  // the target itself or anything below it
            xml::for_each_element_in(out.target, [&](const xmlNode* n) {
                holds_signature = xml::is_element(n, uri::ds_ns, "Signature");
                return holds_signature ? xml::Walk::stop : xml::Walk::descend;
            });
            if (!holds_signature) {
                out.exclude_all_signatures = false;
                out.filter_within_target = true;
            }
        }
    }

    // 3. Octets -> digest.
    if (base64) {
        auto decoded = crypto::base64_decode(xml::text_content(out.target));
        if (!decoded) return fail(std::move(out), "DSIG-BASE64-INVALID", "base64 transform input is not base64");
        out.digest = crypto::digest(digest, *decoded);
        if (keep_octets) out.octets.assign(decoded->begin(), decoded->end());
        return out;
    }
    // A node-set without an explicit canonicalization is canonicalized with C14N 1.0.
    xml::C14nMethod method = c14n.value_or(xml::C14nMethod{});
    if (whole_document) {
        // The DOM holds only the signature: the document's digest comes from the stream, which
        // left out exactly the (single) signature subtree.
        const bool whole = out.target->type == XML_DOCUMENT_NODE && !keep_comments;
        std::optional<WholeDocumentDigest> streamed;
        if (whole && (out.enveloped || out.exclude_all_signatures)) streamed = (*whole_document)(method, digest);
        if (!streamed) return fail(std::move(out), k_stream_fallback, "needs the DOM path");
        out.digest = std::move(streamed->digest);
        if (keep_octets && streamed->octets) out.octets = *streamed->octets;
        return out;
    }
    xml::NodeSubset subset;
    subset.apex = out.target;
    subset.excluded = out.enveloped ? signature : nullptr;
    subset.exclude_all_signatures = out.exclude_all_signatures;
    subset.keep_comments = keep_comments && method.with_comments;
    DigestSink sink(digest, keep_octets ? &out.octets : nullptr);
    Result<void> done;
    if (out.target->type == XML_DOCUMENT_NODE && !subset.keep_comments) {
        // The whole document minus the signature(s), comments dropped: take the signatures out
        // of the tree for the moment, canonicalize the whole document without a node-set filter
        // (libxml2's filter path asks about every node), and put them back where they were.
        std::vector<xmlNodePtr> removed;
        if (subset.exclude_all_signatures) {
            xml::for_each_element(doc, [&](const xmlNode* n) {
                if (!xml::is_element(n, uri::ds_ns, "Signature")) return xml::Walk::descend;
                removed.push_back(const_cast<xmlNodePtr>(n));  // the document is ours to edit
                return xml::Walk::skip_children;
            });
        } else if (subset.excluded && subset.excluded->doc == doc && subset.excluded->parent) {
            removed.push_back(const_cast<xmlNodePtr>(subset.excluded));
        }
        std::vector<std::pair<xmlNodePtr, xmlNodePtr>> places;  // (parent, next sibling)
        for (xmlNodePtr n : removed) {
            places.emplace_back(n->parent, n->next);
            xmlUnlinkNode(n);
        }
        xml::C14nMethod without_comments = method;
        without_comments.with_comments = false;
        done = xml::canonicalize(doc, without_comments, xml::NodeSubset{}, sink);
        for (std::size_t i = removed.size(); i-- > 0;) {
            auto [parent, next] = places[i];
            if (next) xmlAddPrevSibling(next, removed[i]);
            else xmlAddChild(parent, removed[i]);
        }
    } else if (out.target->type == XML_ELEMENT_NODE && !subset.exclude_all_signatures && !subset.keep_comments &&
               !(subset.excluded && inside(subset.excluded, out.target))) {
        // An element's subtree that holds no excluded signature: canonicalized on a copy (the
        // filter path asks about every node of the document). Comments are not in the node-set.
        xml::C14nMethod without_comments = method;
        without_comments.with_comments = false;
        auto octets = compute_signed_info_octets(doc, out.target, without_comments);
        if (octets) sink.write(octets->data(), octets->size());
        else done = std::move(octets).error();
    } else {
        done = xml::canonicalize(doc, method, subset, sink);
    }
    if (!done) return fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "canonicalization failed: " + done.error().message);
    out.digest = sink.finish();
    return out;
}

}  // namespace istmo::dsig
