// rFE model: tree helpers, schema-ordered building, completion of derived fields, JSON input,
// XML output and parsing.
#include <istmo/invoice/panama.hpp>
#include <istmo/xml/document.hpp>

#include "invoice/json/json.hpp"
#include "invoice/panama/arith.hpp"
#include "invoice/panama/dom.hpp"
#include "invoice/panama/schema.hpp"
#include "xml/document_impl.hpp"

#include <algorithm>
#include <string>

namespace istmo::invoice::panama {

using detail::Def;
using detail::Ty;

// ---- Element ---------------------------------------------------------------------------------

const Element* Element::child(std::string_view child_name) const noexcept {
    for (const auto& c : children)
        if (c.name == child_name && c.ns.empty()) return &c;
    return nullptr;
}
Element* Element::child(std::string_view child_name) noexcept {
    for (auto& c : children)
        if (c.name == child_name && c.ns.empty()) return &c;
    return nullptr;
}
std::vector<const Element*> Element::all(std::string_view child_name) const {
    std::vector<const Element*> out;
    for (const auto& c : children)
        if (c.name == child_name && c.ns.empty()) out.push_back(&c);
    return out;
}
const Element* Element::find(std::string_view path) const noexcept {
    const Element* e = this;
    while (e && !path.empty()) {
        const std::size_t slash = path.find('/');
        e = e->child(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    return e;
}
std::string_view Element::value(std::string_view path) const noexcept {
    const Element* e = find(path);
    return e ? std::string_view(e->text) : std::string_view();
}

namespace {

std::size_t order_of(const Def& parent, const Element& e) noexcept {
    std::size_t index = 0;
    if (e.ns.empty() || e.name == "Signature") {
        if (detail::find_child(parent, e.name, &index)) return index;
    }
    return parent.kids.size();
}

// The child named `name` of `group` (first occurrence), created in schema order when absent.
Element* get_or_create(Element& group, const Def& group_def, std::string_view name, bool always_new) {
    std::size_t index = 0;
    if (!detail::find_child(group_def, name, &index)) return nullptr;
    if (!always_new) {
        if (Element* existing = group.child(name)) return existing;
    }
    auto pos = group.children.begin();
    while (pos != group.children.end() && order_of(group_def, *pos) <= index) ++pos;
    Element fresh;
    fresh.name = std::string(name);
    return &*group.children.insert(pos, std::move(fresh));
}

Result<const Def*> def_of(std::string_view group_path) {
    const Def* d = group_path.empty() ? &detail::root_def() : detail::find_path(group_path);
    if (!d) return make_error(Errc::invalid_argument, "'" + std::string(group_path) + "' is not an element of rFE 1.00");
    return d;
}

}  // namespace

Result<void> set(Element& group, std::string_view group_path, std::string_view path, std::string value) {
    auto gd = def_of(group_path);
    if (!gd) return std::move(gd).error();
    const Def* def = *gd;
    Element* e = &group;
    const std::string_view whole = path;
    // group_path + "/" + the first `n` characters of path (for messages only).
    const auto full = [&](std::size_t n) {
        std::string f(group_path);
        if (!f.empty() && n != 0) f += '/';
        f += whole.substr(0, n);
        return f;
    };
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view name = path.substr(0, slash);
        const Def* next = detail::find_child(*def, name);
        if (!next)
            return make_error(Errc::invalid_argument,
                              "'" + full(static_cast<std::size_t>(name.data() - whole.data()) + name.size()) +
                                  "' is not an element of rFE 1.00");
        e = get_or_create(*e, *def, name, false);
        def = next;
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    if (def->ty == Ty::group || def->ty == Ty::choice || def->ty == Ty::signature)
        return make_error(Errc::invalid_argument, "'" + full(whole.size()) + "' is a group, not a field");
    e->text = std::move(value);
    return {};
}

Result<void> set(Invoice& invoice, std::string_view path, std::string value) {
    return set(invoice.root, "", path, std::move(value));
}

Result<Element*> append(Invoice& invoice, std::string_view path) {
    const std::size_t slash = path.rfind('/');
    const std::string_view parent_path = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
    const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    auto pd = def_of(parent_path);
    if (!pd) return std::move(pd).error();
    const Def* def = detail::find_child(**pd, name);
    if (!def || (def->ty != Ty::group && def->ty != Ty::choice))
        return make_error(Errc::invalid_argument, "'" + std::string(path) + "' is not a group of rFE 1.00");
    // Walk/create the parent chain (first occurrences).
    Element* parent = &invoice.root;
    const Def* parent_def = &detail::root_def();
    std::string_view rest = parent_path;
    while (!rest.empty()) {
        const std::size_t s = rest.find('/');
        const std::string_view n = rest.substr(0, s);
        const Def* next = detail::find_child(*parent_def, n);
        parent = get_or_create(*parent, *parent_def, n, false);
        parent_def = next;
        rest = s == std::string_view::npos ? std::string_view() : rest.substr(s + 1);
    }
    return get_or_create(*parent, *parent_def, name, true);
}

Result<void> add_item(Invoice& invoice, const ItemInput& in) {
    auto item = append(invoice, "gItem");
    if (!item) return std::move(item).error();
    Element& g = **item;
    auto put = [&](std::string_view path, std::string value) { return set(g, "gItem", path, std::move(value)); };
    Result<void> r = put("dDescProd", in.description);
    if (r && !in.code.empty()) r = put("dCodProd", in.code);
    if (r && !in.unit.empty()) r = put("cUnidad", in.unit);
    if (r) r = put("dCantCodInt", in.quantity.normalized(0).to_string());
    if (r && !in.cpbs_abr.empty()) r = put("dCodCPBSabr", in.cpbs_abr);
    if (r && !in.cpbs_cmp.empty()) r = put("dCodCPBScmp", in.cpbs_cmp);
    if (r) r = put("gPrecios/dPrUnit", in.unit_price.normalized(2).to_string());
    if (r && in.unit_discount) r = put("gPrecios/dPrUnitDesc", in.unit_discount->normalized(2).to_string());
    if (r) r = put("gITBMSItem/dTasaITBMS", in.itbms_rate);
    return r;
}

// ---- completion --------------------------------------------------------------------------

namespace {

std::string field_path(std::string_view group, std::size_t index, std::string_view field) {
    std::string p(group);
    if (index != static_cast<std::size_t>(-1)) p += "[" + std::to_string(index + 1) + "]";
    p += "/";
    p += field;
    return p;
}

// Normalises amount fields to their schema format; refuses values that would need rounding.
Result<void> normalise(Element& e, const Def& def, const std::string& path) {
    for (auto& c : e.children) {
        if (!c.ns.empty()) continue;
        const Def* cd = detail::find_child(def, c.name);
        if (!cd) continue;
        const auto cp = [&] { return path + "/" + c.name; };  // only for error messages
        if (cd->ty == Ty::group || cd->ty == Ty::choice) {
            auto r = normalise(c, *cd, cp());
            if (!r) return r;
            continue;
        }
        int min_scale = -1, max_scale = -1;
        switch (cd->ty) {
            case Ty::monto01: case Ty::monto02: min_scale = 2; max_scale = 2; break;
            case Ty::monto06: min_scale = 2; max_scale = 6; break;
            case Ty::monto31: min_scale = 0; max_scale = 6; break;
            case Ty::verform: min_scale = 2; max_scale = 2; break;
            default: break;
        }
        if (cd->ty == Ty::enum_int || cd->ty == Ty::enum_str) {
            const auto canon = detail::canonical_enum(*cd, c.text);
            if (!canon.empty() && canon != c.text) c.text = std::string(canon);
        }
        if (min_scale < 0) continue;
        const auto d = Decimal::parse(c.text);
        if (!d || d->is_negative())
            return make_error(Errc::invalid_argument, cp() + ": '" + c.text + "' is not a non-negative decimal");
        if (d->significant_decimals() > max_scale)
            return make_error(Errc::invalid_argument,
                              cp() + ": '" + c.text + "' has more than " + std::to_string(max_scale) + " decimals");
        std::string text = d->normalized(min_scale).to_string();
        if (text != c.text) c.text = std::move(text);
    }
    return {};
}

// Sets `field` below `group` to `value` when absent; when present, it must be equal.
// `index` is the occurrence of the group among its siblings (0-based) for messages, or npos.
Result<void> derive(Element& group, std::string_view group_path, std::size_t index, std::string_view field,
                    const Decimal& value, int scale, bool rounded_compare) {
    const auto where = [&] { return field_path(group_path, index, field); };
    if (!value.valid()) return make_error(Errc::invalid_argument, where() + ": cannot be computed (missing or invalid inputs)");
    const Element* existing = group.find(field);
    if (existing) {
        const auto d = Decimal::parse(existing->text);
        const bool ok = d && (rounded_compare ? detail::matches_rounded(*d, value) : *d == value);
        if (!ok)
            return make_error(Errc::invalid_argument, where() + ": given " + existing->text + ", computed " +
                                                          value.rounded(scale).normalized(2).to_string());
        return {};
    }
    return set(group, group_path, field, value.rounded(scale).normalized(2).to_string());
}

}  // namespace

namespace {
// The enumeration's own spelling of an integer code ("02" -> "2"); the text itself when it is none.
std::string canonical_code(std::string_view path, std::string_view value) {
    const Def* def = detail::find_path(path);
    const std::string_view canonical = def ? detail::canonical_enum(*def, value) : std::string_view();
    return std::string(canonical.empty() ? value : canonical);
}
}  // namespace

Result<std::string> cufe_of(const Invoice& invoice) { return detail::cufe_of_root(invoice.root); }

Result<std::string> detail::cufe_of_root(const Element& r) {
    CufeFields f;
    f.iDoc = r.value("gDGen/iDoc");
    // dTipoRuc and iAmb are xs:integer codes: "02" is 2, written in the CUFE as one digit.
    f.dTipoRuc = canonical_code("gDGen/gEmis/gRucEmi/dTipoRuc", r.value("gDGen/gEmis/gRucEmi/dTipoRuc"));
    f.dRuc = r.value("gDGen/gEmis/gRucEmi/dRuc");
    f.dDV = r.value("gDGen/gEmis/gRucEmi/dDV");
    f.dSucEm = r.value("gDGen/gEmis/dSucEm");
    f.dFechaEm = r.value("gDGen/dFechaEm");
    f.dNroDF = r.value("gDGen/dNroDF");
    f.dPtoFacDF = r.value("gDGen/dPtoFacDF");
    f.iTpEmis = r.value("gDGen/iTpEmis");
    f.iAmb = canonical_code("gDGen/iAmb", r.value("gDGen/iAmb"));
    f.dSeg = r.value("gDGen/dSeg");
    return cufe(f);
}

Result<void> complete(Invoice& invoice) {
    Element& root = invoice.root;
    if (!root.child("dVerForm")) {
        auto r = set(invoice, "dVerForm", "1.00");
        if (!r) return r;
    }
    if (auto r = normalise(root, detail::root_def(), "rFE"); !r) return r;
    // dSecItem numbering.
    std::size_t n = 0;
    for (auto& item : root.children) {
        if (item.name != "gItem" || !item.ns.empty()) continue;
        ++n;
        if (!item.child("dSecItem")) {
            auto r = set(item, "gItem", "dSecItem", std::to_string(n));
            if (!r) return r;
        }
    }
    if (n == 0) return make_error(Errc::invalid_argument, "rFE/gItem: at least one item is required");
    // Items: dPrItem, then ITBMS, then the item total, each from the previous as now set.
    for (int pass = 0; pass < 3; ++pass) {
        std::vector<detail::ItemAmounts> items;
        detail::TotalAmounts totals;
        detail::compute(root, items, totals);
        std::size_t i = 0;
        for (auto& item : root.children) {
            if (item.name != "gItem" || !item.ns.empty()) continue;
            const auto& a = items[i];
            Result<void> r;
            if (pass == 0)
                r = derive(item, "gItem", i, "gPrecios/dPrItem", a.pr_item_exact, 6, true);
            else if (pass == 1)
                r = derive(item, "gItem", i, "gITBMSItem/dValITBMS", a.itbms_exact, 2, true);
            else
                r = derive(item, "gItem", i, "gPrecios/dValTotItem", a.tot_item_exact, 6, false);
            if (!r) return r;
            ++i;
        }
    }
    // Totals, in dependency order.
    auto totals_pass = [&](auto&& step) -> Result<void> {
        std::vector<detail::ItemAmounts> items;
        detail::TotalAmounts t;
        detail::compute(root, items, t);
        Element* tot = root.child("gTot");
        if (!tot) {
            auto r = set(invoice, "gTot/dNroItems", std::to_string(n));
            if (!r) return r;
            tot = root.child("gTot");
        }
        return step(*tot, t);
    };
    auto d = [](Element& tot, std::string_view field, const Decimal& v) {
        return derive(tot, "gTot", static_cast<std::size_t>(-1), field, v, 2, false);
    };
    Result<void> r = totals_pass([&](Element& tot, const detail::TotalAmounts& t) -> Result<void> {
        if (auto x = d(tot, "dTotNeto", t.neto); !x) return x;
        if (auto x = d(tot, "dTotITBMS", t.itbms); !x) return x;
        if (t.any_isc || tot.child("dTotISC")) {
            if (auto x = d(tot, "dTotISC", t.isc); !x) return x;
        }
        if (t.any_desc_groups || tot.child("dTotDesc")) {
            if (auto x = d(tot, "dTotDesc", t.any_desc_groups ? t.desc_groups : t.desc); !x) return x;
        }
        if (auto x = d(tot, "dVTotItems", t.vtot_items); !x) return x;
        if (auto x = derive(tot, "gTot", static_cast<std::size_t>(-1), "dNroItems", Decimal::from_int(t.items), 0, false); !x)
            return x;
        if (tot.child("dNroItems")->text.find('.') != std::string::npos)
            tot.child("dNroItems")->text = std::to_string(t.items);
        // gOTITotal per code, when items carry OTI and none is declared.
        if (!t.oti.empty() && !tot.child("gOTITotal")) {
            for (const auto& [code, v] : t.oti) {
                auto g = append(invoice, "gTot/gOTITotal");
                if (!g) return std::move(g).error();
                if (auto x = set(**g, "gTot/gOTITotal", "dCodOTITotal", code); !x) return x;
                if (auto x = set(**g, "gTot/gOTITotal", "dValOTITotal", v.rounded(2).to_string()); !x) return x;
            }
        }
        return {};
    });
    if (!r) return r;
    r = totals_pass([&](Element& tot, const detail::TotalAmounts& t) -> Result<void> {
        if (auto x = d(tot, "dTotGravado", t.gravado); !x) return x;
        return d(tot, "dVTot", t.vtot);
    });
    if (!r) return r;
    r = totals_pass([&](Element& tot, const detail::TotalAmounts& t) -> Result<void> {
        auto forms = tot.all("gFormaPago");
        if (forms.empty()) return make_error(Errc::invalid_argument, "gTot/gFormaPago: at least one payment form is required");
        if (forms.size() == 1 && !forms[0]->child("dVlrCuota")) {
            Element* f = tot.child("gFormaPago");
            if (auto x = set(*f, "gTot/gFormaPago", "dVlrCuota", t.vtot_used.rounded(2).to_string()); !x) return x;
        }
        return {};
    });
    if (!r) return r;
    r = totals_pass([&](Element& tot, const detail::TotalAmounts& t) -> Result<void> {
        if (auto x = d(tot, "dTotRec", t.rec); !x) return x;
        if (t.vuelto.is_zero()) {
            if (const Element* v = tot.child("dVuelto")) {
                const auto dv = Decimal::parse(v->text);
                if (!dv || !dv->is_zero())
                    return make_error(Errc::invalid_argument, "gTot/dVuelto: given " + v->text + ", computed none (no change)");
            }
            return {};
        }
        return d(tot, "dVuelto", t.vuelto);
    });
    if (!r) return r;
    auto id = cufe_of(invoice);
    if (!id) return make_error(Errc::invalid_argument, "dId: " + id.error().message);
    if (const Element* given = root.child("dId")) {
        if (given->text != *id)
            return make_error(Errc::invalid_argument, "dId: given " + given->text + ", computed " + *id);
        return {};
    }
    return set(invoice, "dId", *id);
}

// ---- JSON input --------------------------------------------------------------------------

namespace {

Error json_error(const json::Value& v, const std::string& what) {
    Error e = make_error(Errc::invalid_argument,
                         what + " (JSON line " + std::to_string(v.line) + ", column " + std::to_string(v.column) + ")");
    e.line = v.line;
    e.column = v.column;
    return e;
}

Result<void> fill(Element& e, const Def& def, const json::Value& obj, const std::string& path);

Result<void> fill_one(Element& parent, const Def& def, const Def& cd, const json::Value& v, const std::string& path) {
    (void)def;
    Element child;
    child.name = std::string(cd.name);
    child.line = v.line;
    if (cd.ty == Ty::group || cd.ty == Ty::choice) {
        if (v.kind != json::Kind::object) return json_error(v, path + ": expected an object (group)");
        auto r = fill(child, cd, v, path);
        if (!r) return r;
    } else if (cd.ty == Ty::signature) {
        return json_error(v, path + ": the signature is not given in JSON");
    } else {
        if (v.kind == json::Kind::string) {
            child.text = v.text;
        } else if (v.kind == json::Kind::number) {
            if (v.text.find_first_of("eE") != std::string::npos || v.text[0] == '-')
                return json_error(v, path + ": number '" + v.text + "' must be a plain non-negative decimal");
            child.text = v.text;
            if ((cd.ty == Ty::enum_str || cd.ty == Ty::enum_int)) {
                // A number for a coded field: match the code by value (2 -> "02").
                std::string_view values = cd.values;
                std::size_t start = 0;
                for (;;) {
                    const std::size_t bar = values.find('|', start);
                    const std::string_view code = values.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
                    const auto a = Decimal::parse(code);
                    const auto b = Decimal::parse(v.text);
                    if (a && b && *a == *b) {
                        child.text = std::string(code);
                        break;
                    }
                    if (bar == std::string_view::npos) break;
                    start = bar + 1;
                }
            }
        } else {
            return json_error(v, path + ": expected a string or a number, got " + std::string(json::kind_name(v.kind)));
        }
    }
    parent.children.push_back(std::move(child));
    return {};
}

Result<void> fill(Element& e, const Def& def, const json::Value& obj, const std::string& path) {
    for (const auto& [name, v] : obj.members) {
        const std::string p = path + "/" + name;
        const Def* cd = detail::find_child(def, name);
        if (!cd) return json_error(v, p + ": not an element of rFE 1.00");
        if (v.kind == json::Kind::array) {
            if (cd->max <= 1) return json_error(v, p + ": occurs at most once, an array is not allowed");
            for (std::size_t i = 0; i < v.items.size(); ++i) {
                auto r = fill_one(e, def, *cd, v.items[i], p + "[" + std::to_string(i + 1) + "]");
                if (!r) return r;
            }
        } else {
            auto r = fill_one(e, def, *cd, v, p);
            if (!r) return r;
        }
    }
    // Schema order (JSON written in that order, the usual case, is left as it is).
    std::vector<std::size_t> keys;
    keys.reserve(e.children.size());
    for (const Element& c : e.children) keys.push_back(order_of(def, c));
    if (!std::is_sorted(keys.begin(), keys.end()))
        std::stable_sort(e.children.begin(), e.children.end(),
                         [&](const Element& a, const Element& b) { return order_of(def, a) < order_of(def, b); });
    return {};
}

}  // namespace

Result<Invoice> from_json(std::string_view text) {
    auto v = json::parse(text);
    if (!v) return std::move(v).error();
    const json::Value* top = &*v;
    if (top->kind == json::Kind::object && top->members.size() == 1 && top->members[0].name == "rFE")
        top = &top->members[0].value;
    if (top->kind != json::Kind::object) return json_error(*top, "rFE: the JSON document must be an object");
    Invoice invoice;
    auto r = fill(invoice.root, detail::root_def(), *top, "rFE");
    if (!r) return std::move(r).error();
    auto c = complete(invoice);
    if (!c) return std::move(c).error();
    return invoice;
}

// ---- XML output ----------------------------------------------------------------------------

namespace {

void escape(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\r': out += "&#13;"; break;
            default: out += c;
        }
    }
}

void write(std::string& out, const Element& e, const Def* def, int depth, bool include_no_firm) {
    std::vector<const Element*> kids;
    kids.reserve(e.children.size());
    for (const auto& c : e.children) {
        if (c.name == "Signature" && c.ns == k_dsig_namespace) continue;
        if (!include_no_firm && depth == 0 && c.name == "gNoFirm") continue;
        kids.push_back(&c);
    }
    if (def)
        std::stable_sort(kids.begin(), kids.end(),
                         [&](const Element* a, const Element* b) { return order_of(*def, *a) < order_of(*def, *b); });
    for (const Element* c : kids) {
        out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        out += '<';
        out += c->name;
        const Def* cd = def ? detail::find_child(*def, c->name) : nullptr;
        const bool group = !c->children.empty() || (cd && (cd->ty == Ty::group || cd->ty == Ty::choice));
        if (group) {
            out += ">\n";
            write(out, *c, cd, depth + 1, include_no_firm);
            out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        } else {
            out += '>';
            escape(out, c->text);
        }
        out += "</";
        out += c->name;
        out += ">\n";
    }
}

}  // namespace

std::string to_xml(const Invoice& invoice, bool include_no_firm) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rFE xmlns=\"";
    out += k_namespace;
    out += "\">\n";
    write(out, invoice.root, &detail::root_def(), 0, include_no_firm);
    out += "</rFE>\n";
    return out;
}

// ---- parsing -------------------------------------------------------------------------------

namespace {

void convert(const xmlNode* node, Element& out) {
    out.name = std::string(xml::sv(node->name));
    out.line = xml::line_of(node);
    const std::string_view ns = node->ns ? xml::sv(node->ns->href) : std::string_view();
    if (ns != k_namespace) out.ns = std::string(ns);
    if (out.name == "Signature" && ns == k_dsig_namespace) return;
    const xmlNode* child = xml::first_element_child(node);
    if (!child) {
        // A field: its one text (or CDATA) node is read in place; anything else (several
        // nodes, entity references) through the general concatenation.
        const xmlNode* t = node->children;
        if (!t) return;
        if (!t->next && (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content)
            out.text = std::string(xml::sv(t->content));
        else
            out.text = xml::text_content(node);
        return;
    }
    out.children.reserve(xmlChildElementCount(const_cast<xmlNode*>(node)));
    for (; child; child = xml::next_element_sibling(child)) {
        out.children.emplace_back();
        convert(child, out.children.back());
    }
}

}  // namespace

Invoice detail::model_of(const xmlNode* rfe) {
    Invoice invoice;
    convert(rfe, invoice.root);
    invoice.root.ns.clear();
    return invoice;
}

Result<Invoice> parse(std::string_view bytes) {
    auto doc = xml::XmlDocument::parse(bytes);
    if (!doc) return std::move(doc).error();
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    if (!root || xml::sv(root->name) != "rFE" || !root->ns || xml::sv(root->ns->href) != k_namespace)
        return make_error(Errc::invalid_argument, "the document element is not rFE in namespace http://dgi-fep.mef.gob.pa");
    return detail::model_of(root);
}

}  // namespace istmo::invoice::panama
