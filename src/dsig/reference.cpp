#include "dsig/reference.hpp"

#include "dsig/algorithms.hpp"
#include "dsig/signature_value.hpp"
#include "xml/c14n.hpp"
#include "xml/document_impl.hpp"

#include <algorithm>

namespace istmo::dsig {
namespace {

using xml::sv;


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

void add_id(IdIndex& index, std::string value, const xmlNode* element) {
    auto [it, inserted] = index.elements.try_emplace(std::move(value), element);
    if (!inserted && it->second != element) index.duplicates.insert(it->first);
}

}  // namespace

IdIndex build_id_index(xmlDocPtr doc, const xmlNode* leave_out) {
    IdIndex index;
    xml::for_each_element(doc, [&](const xmlNode* node) {
        if (node == leave_out) return xml::Walk::skip_children;
        for (const xmlAttr* attr = node->properties; attr; attr = attr->next) {
            std::string_view name = sv(attr->name);
            bool is_id = false;
            if (!attr->ns) is_id = name == "Id" || name == "ID" || name == "id";
            else is_id = name == "id" && sv(attr->ns->href) == "http://www.w3.org/XML/1998/namespace";
            if (!is_id) continue;
            const xmlNode* text = attr->children;
            if (!text || (text->type == XML_TEXT_NODE && !text->next)) {  // the usual value: read in place
                add_id(index, std::string(text ? sv(text->content) : std::string_view()), node);
                continue;
            }
            internal::XmlCharsPtr value(xmlNodeListGetString(doc, attr->children, 1));
            add_id(index, value ? std::string(sv(value.get())) : std::string(), node);
        }
        return xml::Walk::descend;
    });
    return index;
}

namespace {

// ---- 1. Dereference: what the URI names.

// Caller-supplied detached octets: digested as they are; transforms are not supported.
ReferenceOutcome detached_content(const ReferenceScope& scope, const xmlNode* reference, const std::string& uri,
                                  crypto::DigestAlg digest, ReferenceOutcome out) {
    std::optional<crypto::Bytes> content;
    if (scope.detached && *scope.detached) content = (*scope.detached)(uri);
    if (!content)
        return fail(std::move(out), "DSIG-REF-EXTERNAL",
                    "Reference URI \"" + uri + "\" points outside the document; external data is never fetched");
    if (const xmlNode* t = xml::first_element_child(reference); t && xml::is_element(t, uri::ds_ns, "Transforms"))
        for (const xmlNode* tr = xml::first_element_child(t); tr; tr = xml::next_element_sibling(tr)) {
            std::string algorithm;
            xml::get_attribute(tr, "Algorithm", algorithm);
            out.transforms.push_back(algorithm);
        }
    if (!out.transforms.empty())
        return fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "transforms on detached content are not supported");
    out.digest = crypto::digest(digest, *content);
    if (scope.keep_octets) out.octets.assign(content->begin(), content->end());
    return out;
}

// A same-document URI ("", "#id", "#xpointer(/)", "#xpointer(id('id'))"): sets out.target
// and keep_comments (the XPointer forms keep comments), or fails.
bool dereference(const ReferenceScope& scope, const std::string& uri, ReferenceOutcome& out, bool& keep_comments) {
    keep_comments = false;
    if (uri.empty()) {
        out.target = reinterpret_cast<const xmlNode*>(scope.doc);
        return true;
    }
    const std::string_view fragment = std::string_view(uri).substr(1);
    std::string id;
    if (fragment == "xpointer(/)") {
        out.target = reinterpret_cast<const xmlNode*>(scope.doc);
        keep_comments = true;
        return true;
    }
    if (fragment.substr(0, 9) == "xpointer(") {
        id = xpointer_id(fragment);
        if (id.empty()) {
            out = fail(std::move(out), "DSIG-REF-UNSUPPORTED-URI", "Reference URI \"" + uri + "\" uses an XPointer form that is not supported");
            return false;
        }
        keep_comments = true;
    } else {
        id = std::string(fragment);
    }
    if (scope.ids->duplicates.count(id)) {
        out = fail(std::move(out), "DSIG-ID-DUPLICATE", "Id \"" + id + "\" is carried by more than one element: the signed element is ambiguous");
        return false;
    }
    auto it = scope.ids->elements.find(id);
    if (it == scope.ids->elements.end()) {
        out = fail(std::move(out), "DSIG-REF-NOT-FOUND", "no element has Id \"" + id + "\"");
        return false;
    }
    out.target = it->second;
    return true;
}

// ---- 2. Transforms: read into a chain of steps.

enum class StepKind { enveloped, exclude_all_signatures, canonicalize, base64 };
struct TransformStep {
    StepKind kind;
    xml::C14nMethod method;  // canonicalize
};

std::vector<std::string> prefix_list(const xmlNode* transform) {
    std::vector<std::string> prefixes;
    for (const xmlNode* p = xml::first_element_child(transform); p; p = xml::next_element_sibling(p)) {
        if (!xml::is_element(p, uri::exc_c14n_ns, "InclusiveNamespaces")) continue;
        std::string list;
        xml::get_attribute(p, "PrefixList", list);
        std::size_t pos = 0;
        while (pos < list.size()) {
            std::size_t end = list.find_first_of(" \t\r\n", pos);
            if (end == std::string::npos) end = list.size();
            if (end > pos) prefixes.push_back(list.substr(pos, end - pos));
            pos = end + 1;
        }
    }
    return prefixes;
}

// One ds:Transform as a step, or a failure. `after_base64`: a base64 transform came before
// (its output is data, never parsed as XML); `after_node_set_step`: an enveloped transform or
// a canonicalization did (base64 decodes the referenced element's text only).
std::optional<TransformStep> read_step(const ReferenceScope& scope, const xmlNode* t, const std::string& algorithm,
                                       bool after_base64, bool after_node_set_step, ReferenceOutcome& out) {
    if (after_base64) {
        out = fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "transform " + algorithm + " after a base64 transform is not supported");
        return std::nullopt;
    }
    if (algorithm == uri::enveloped) return TransformStep{StepKind::enveloped, {}};
    if (auto method = c14n_from_uri(algorithm)) {
        if (method->algorithm == xml::C14nAlgorithm::exclusive_1_0) method->inclusive_prefixes = prefix_list(t);
        return TransformStep{StepKind::canonicalize, *method};
    }
    if (algorithm == uri::base64) {
        if (!after_node_set_step) return TransformStep{StepKind::base64, {}};
        out = fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "base64 after enveloped-signature or a canonicalization is not supported");
        return std::nullopt;
    }
    if (algorithm == uri::xpath && is_enveloped_xpath(scope.doc, t)) return TransformStep{StepKind::exclude_all_signatures, {}};
    if (algorithm == uri::xpath_filter2 && !scope.whole_document && is_signature_subtract_filter2(scope.doc, t))
        return TransformStep{StepKind::exclude_all_signatures, {}};
    if (algorithm == uri::xpath_filter2 && scope.whole_document) {
        // The prefix check needs the whole document: the DOM strategy decides.
        out.needs_document = true;
        return std::nullopt;
    }
    if (algorithm == uri::xslt || algorithm == uri::xpath || algorithm == uri::xpath_filter2 || algorithm == uri::decrypt_xml)
        out = fail(std::move(out), "DSIG-TRANSFORM-FORBIDDEN",
                   "transform " + algorithm + " is refused (XSLT/XPath transforms are an attack surface)");
    else
        out = fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "unknown transform " + algorithm);
    return std::nullopt;
}

// Enveloped-signature (also in its XPath forms), canonicalizations (each may follow another
// step: its octets are parsed again), or a single base64 decode. Everything else is refused.
bool read_transforms(const ReferenceScope& scope, const xmlNode* reference, ReferenceOutcome& out,
                     std::vector<TransformStep>& chain) {
    const xmlNode* transforms = xml::first_element_child(reference);
    if (!transforms || !xml::is_element(transforms, uri::ds_ns, "Transforms")) return true;
    for (const xmlNode* t = xml::first_element_child(transforms); t; t = xml::next_element_sibling(t)) {
        if (!xml::is_element(t, uri::ds_ns, "Transform")) {
            out = fail(std::move(out), "DSIG-STRUCTURE", "unexpected element inside ds:Transforms");
            return false;
        }
        if (chain.size() >= scope.max_transforms) {
            out = fail(std::move(out), "DSIG-TOO-MANY", "too many transforms in one Reference");
            return false;
        }
        std::string algorithm;
        xml::get_attribute(t, "Algorithm", algorithm);
        out.transforms.push_back(algorithm);
        const bool after_base64 = !chain.empty() && chain.back().kind == StepKind::base64;
        const bool after_node_set_step = std::any_of(chain.begin(), chain.end(), [](const TransformStep& step) {
            return step.kind == StepKind::enveloped || step.kind == StepKind::canonicalize;
        });
        auto step = read_step(scope, t, algorithm, after_base64, after_node_set_step, out);
        if (!step) return false;
        out.enveloped = out.enveloped || step->kind == StepKind::enveloped;
        out.exclude_all_signatures = out.exclude_all_signatures || step->kind == StepKind::exclude_all_signatures;
        chain.push_back(std::move(*step));
    }
    return true;
}

// The XPath form of the enveloped transform, evaluated in the document, removes every node
// of a target that lies inside a ds:Signature (a counter-signature's reference to its
// parent's SignatureValue): the digest would be over nothing. The producers of such
// references (.NET, Santuario) apply the filter within the referenced subtree; when that
// subtree holds no signature, that is the identity, and the caller is told (a warning).
bool filter_applies_within_target(const xmlNode* target) {
    if (!target || target->type != XML_ELEMENT_NODE) return false;
    bool under_signature = false;
    for (const xmlNode* n = target->parent; n && !under_signature; n = n->parent)
        under_signature = xml::is_element(n, uri::ds_ns, "Signature");
    if (!under_signature) return false;
    bool holds_signature = false;  // the target itself or anything below it
    xml::for_each_element_in(target, [&](const xmlNode* n) {
        holds_signature = xml::is_element(n, uri::ds_ns, "Signature");
        return holds_signature ? xml::Walk::stop : xml::Walk::descend;
    });
    return !holds_signature;
}

// ---- 3. Node-sets and octets.

// A node-set of one document: the subtree of apex, less what is excluded.
struct NodeSet {
    xmlDocPtr doc = nullptr;
    const xmlNode* apex = nullptr;       // document node or element
    const xmlNode* signature = nullptr;  // the signature the enveloped transform removes (may be null)
    const xmlNode* excluded = nullptr;   // set by the enveloped transform
    const xmlNode* leave_out = nullptr;
    bool exclude_all_signatures = false;
    bool keep_comments = false;
    bool may_edit_document = false;
};

// Canonicalizes the node-set into `sink`, through the fastest way libxml2 offers for it.
Result<void> canonicalize_node_set(const NodeSet& set, const xml::C14nMethod& method, xml::ByteSink& sink) {
    xml::NodeSubset subset;
    subset.apex = set.apex;
    subset.excluded = set.excluded;
    subset.excluded_extra = set.leave_out;
    subset.exclude_all_signatures = set.exclude_all_signatures;
    subset.keep_comments = set.keep_comments && method.with_comments;
    xml::C14nMethod without_comments = method;
    without_comments.with_comments = false;
    const bool leave_out_inside = set.leave_out && xml::is_within(set.leave_out, set.apex);
    if (set.apex->type == XML_DOCUMENT_NODE && !subset.keep_comments && set.may_edit_document && !leave_out_inside) {
        // The whole document minus the signature(s), comments dropped: take the signatures out
        // of the tree for the moment, canonicalize the whole document without a node-set filter
        // (libxml2's filter path asks about every node), and put them back where they were.
        std::vector<xmlNodePtr> removed;
        if (subset.exclude_all_signatures) {
            xml::for_each_element(set.doc, [&](const xmlNode* n) {
                if (!xml::is_element(n, uri::ds_ns, "Signature")) return xml::Walk::descend;
                removed.push_back(const_cast<xmlNodePtr>(n));  // the document is ours to edit
                return xml::Walk::skip_children;
            });
        } else if (subset.excluded && subset.excluded->doc == set.doc && subset.excluded->parent) {
            removed.push_back(const_cast<xmlNodePtr>(subset.excluded));
        }
        std::vector<std::pair<xmlNodePtr, xmlNodePtr>> places;  // (parent, next sibling)
        for (xmlNodePtr n : removed) {
            places.emplace_back(n->parent, n->next);
            xmlUnlinkNode(n);
        }
        Result<void> done = xml::canonicalize(set.doc, without_comments, xml::NodeSubset{}, sink);
        for (std::size_t i = removed.size(); i-- > 0;) {
            auto [parent, next] = places[i];
            if (next) xmlAddPrevSibling(next, removed[i]);
            else xmlAddChild(parent, removed[i]);
        }
        return done;
    }
    if (set.apex->type == XML_ELEMENT_NODE && !subset.exclude_all_signatures && !subset.keep_comments &&
        !(subset.excluded && xml::is_within(subset.excluded, set.apex)) && !leave_out_inside) {
        // An element's subtree that holds no excluded signature: canonicalized on a copy (the
        // filter path asks about every node of the document). Comments are not in the node-set.
        auto octets = compute_signed_info_octets(set.doc, set.apex, without_comments);
        if (!octets) return std::move(octets).error();
        sink.write(octets->data(), octets->size());
        return {};
    }
    return xml::canonicalize(set.doc, method, subset, sink);
}

// Whether `node` is in the node-set's element tree as seen in its canonical form.
bool emitted(const NodeSet& set, const xmlNode* node) {
    return node != set.excluded && node != set.leave_out &&
           !(set.exclude_all_signatures && xml::is_element(node, uri::ds_ns, "Signature"));
}

// The position of set.signature in the canonical octets of `set`: the index of each element on
// the way down among its emitted element siblings, from the apex's document element. Empty
// (with found = false) when the signature is not emitted.
std::vector<std::size_t> signature_position(const NodeSet& set, bool& found) {
    std::vector<std::size_t> position;
    found = false;
    if (!set.signature || !xml::is_within(set.signature, set.apex)) return position;
    std::vector<const xmlNode*> chain;  // signature up to the apex's top element
    for (const xmlNode* n = set.signature; n && n != set.apex; n = n->parent) chain.push_back(n);
    if (set.apex->type == XML_ELEMENT_NODE) chain.push_back(set.apex);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const xmlNode* node = *it;
        if (!emitted(set, node)) return position;
        std::size_t index = 0;
        if (node != set.apex)
            for (const xmlNode* s = xml::first_element_child(node->parent); s != node; s = xml::next_element_sibling(s))
                index += emitted(set, s) ? 1 : 0;
        position.push_back(index);
    }
    found = true;
    return position;
}

const xmlNode* element_at(xmlDocPtr doc, const std::vector<std::size_t>& position) {
    const xmlNode* node = xmlDocGetRootElement(doc);
    for (std::size_t depth = 0; node && depth < position.size(); ++depth) {
        if (depth == 0) {
            if (position[0] != 0) return nullptr;
            continue;
        }
        node = xml::first_element_child(node);
        for (std::size_t i = 0; node && i < position[depth]; ++i) node = xml::next_element_sibling(node);
    }
    return node;
}

// Octets from a canonicalization feeding a node-set transform: parsed again (XMLDSig §4.3.3.2)
// by the safe parser with the same limits; the signature is found again by its position.
struct Reparsed {
    std::optional<xml::XmlDocument> document;
    std::vector<std::size_t> signature_position;
    bool has_signature = false;
};

std::optional<NodeSet> reparse(const std::string& octets, const ReferenceScope& scope, Reparsed& storage,
                               ReferenceOutcome& out) {
    auto parsed = xml::XmlDocument::parse(octets, scope.limits ? *scope.limits : xml::ParseLimits{});
    if (!parsed) {
        out = fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "canonical octets could not be parsed again: " + parsed.error().message);
        return std::nullopt;
    }
    storage.document.emplace(std::move(*parsed));
    NodeSet set;
    set.doc = xml::get(*storage.document);
    set.apex = reinterpret_cast<const xmlNode*>(set.doc);
    set.signature = storage.has_signature ? element_at(set.doc, storage.signature_position) : nullptr;
    if (set.signature && !xml::is_element(set.signature, uri::ds_ns, "Signature")) set.signature = nullptr;
    set.keep_comments = true;  // whatever the canonicalization kept
    set.may_edit_document = true;
    return set;
}

// Runs the chain over the node-set; on success out.digest (and out.octets) are set.
bool run_chain(const ReferenceScope& scope, NodeSet set, const std::vector<TransformStep>& chain, crypto::DigestAlg digest,
               ReferenceOutcome& out) {
    std::optional<std::string> octets;  // set when the data is an octet stream
    std::vector<std::unique_ptr<Reparsed>> documents;
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const TransformStep& step = chain[i];
        if (step.kind == StepKind::base64) {
            auto decoded = crypto::base64_decode(xml::text_content(set.apex));
            if (!decoded) {
                out = fail(std::move(out), "DSIG-BASE64-INVALID", "base64 transform input is not base64");
                return false;
            }
            octets.emplace(decoded->begin(), decoded->end());
            continue;
        }
        if (octets) {
            auto parsed = reparse(*octets, scope, *documents.back(), out);
            if (!parsed) return false;
            set = *parsed;
            octets.reset();
        }
        if (step.kind == StepKind::enveloped) set.excluded = set.signature;
        if (step.kind == StepKind::exclude_all_signatures) set.exclude_all_signatures = true;
        if (step.kind != StepKind::canonicalize) continue;
        const bool last = i + 1 == chain.size();
        if (last) break;  // the final canonicalization digests directly
        auto& next = documents.emplace_back(std::make_unique<Reparsed>());
        next->signature_position = signature_position(set, next->has_signature);
        xml::StringSink text;
        if (auto done = canonicalize_node_set(set, step.method, text); !done) {
            out = fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "canonicalization failed: " + done.error().message);
            return false;
        }
        octets = std::move(text.text);
    }
    if (octets) {
        out.digest = crypto::digest(digest, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(octets->data()), octets->size()));
        if (scope.keep_octets) out.octets = std::move(*octets);
        return true;
    }
    // A node-set is canonicalized with the chain's last canonicalization, or C14N 1.0.
    const xml::C14nMethod method = !chain.empty() && chain.back().kind == StepKind::canonicalize ? chain.back().method : xml::C14nMethod{};
    DigestSink sink(digest, scope.keep_octets ? &out.octets : nullptr);
    if (auto done = canonicalize_node_set(set, method, sink); !done) {
        out = fail(std::move(out), "DSIG-TRANSFORM-UNKNOWN", "canonicalization failed: " + done.error().message);
        return false;
    }
    out.digest = sink.finish();
    return true;
}

// The large-document path: the DOM holds only the signature, the document's digest comes from
// the stream, which left out exactly the (single) signature subtree. Serves only the chain
// "enveloped (any form) then at most one canonicalization" over the whole document.
ReferenceOutcome streamed_digest(const ReferenceScope& scope, const std::vector<TransformStep>& chain, bool keep_comments,
                                 crypto::DigestAlg digest, ReferenceOutcome out) {
    bool simple = out.target->type == XML_DOCUMENT_NODE && !keep_comments && (out.enveloped || out.exclude_all_signatures);
    for (std::size_t i = 0; i < chain.size() && simple; ++i)
        simple = chain[i].kind == StepKind::enveloped || chain[i].kind == StepKind::exclude_all_signatures ||
                 (chain[i].kind == StepKind::canonicalize && i + 1 == chain.size());
    const xml::C14nMethod method = !chain.empty() && chain.back().kind == StepKind::canonicalize ? chain.back().method : xml::C14nMethod{};
    std::optional<WholeDocumentDigest> streamed;
    if (simple) streamed = (*scope.whole_document)(method, digest);
    if (!streamed) {
        out.needs_document = true;
        return out;
    }
    out.digest = std::move(streamed->digest);
    if (scope.keep_octets && streamed->octets) out.octets = *streamed->octets;
    return out;
}

}  // namespace

ReferenceOutcome process_reference(xmlDocPtr doc, const xmlNode* reference, const xmlNode* signature,
                                   const IdIndex& ids, crypto::DigestAlg digest, bool keep_octets,
                                   std::size_t max_transforms, const WholeDocumentDigester* whole_document,
                                   const std::function<std::optional<crypto::Bytes>(std::string_view)>* detached) {
    ReferenceScope scope;
    scope.doc = doc;
    scope.signature = signature;
    scope.ids = &ids;
    scope.may_edit_document = true;
    scope.keep_octets = keep_octets;
    scope.max_transforms = max_transforms;
    scope.whole_document = whole_document;
    scope.detached = detached;
    return process_reference(scope, reference, digest);
}

ReferenceOutcome process_reference(const ReferenceScope& scope, const xmlNode* reference, crypto::DigestAlg digest) {
    ReferenceOutcome out;
    std::string uri;
    if (!xml::get_attribute(reference, "URI", uri))
        return fail(std::move(out), "DSIG-REF-NOT-FOUND", "Reference without URI: the signed data is not identified");
    if (!uri.empty() && uri.front() != '#') return detached_content(scope, reference, uri, digest, std::move(out));
    bool keep_comments = false;
    if (!dereference(scope, uri, out, keep_comments)) return out;

    std::vector<TransformStep> chain;
    if (!read_transforms(scope, reference, out, chain)) return out;
    if (out.exclude_all_signatures && filter_applies_within_target(out.target)) {
        // Within the target there is no signature to remove: the filter is the identity.
        out.filter_within_target = true;
        out.exclude_all_signatures = false;
        std::erase_if(chain, [](const TransformStep& step) { return step.kind == StepKind::exclude_all_signatures; });
    }
    if (scope.whole_document) return streamed_digest(scope, chain, keep_comments, digest, std::move(out));

    NodeSet set;
    set.doc = scope.doc;
    set.apex = out.target;
    set.signature = scope.signature;
    set.leave_out = scope.leave_out;
    set.keep_comments = keep_comments;
    set.may_edit_document = scope.may_edit_document;
    run_chain(scope, set, chain, digest, out);
    return out;
}

}  // namespace istmo::dsig
