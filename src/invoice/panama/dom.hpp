#pragma once
// Internal: the rFE as libxml2 parsed it. Validation parses a document once: it finds the rFE
// (the document element, or inside a receiver's or PAC's container), reads the model from that
// DOM and verifies the signature over the same DOM.
#include <istmo/invoice/panama.hpp>
#include <istmo/xml/document.hpp>

#include <libxml/tree.h>

#include <optional>
#include <string>

namespace istmo::invoice::panama::detail {

inline constexpr std::string_view k_soap11_namespace = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::string_view k_soap12_namespace = "http://www.w3.org/2003/05/soap-envelope";

struct LocatedInvoice {
    // The rFE in a document of its own when it was taken out of a container (see locate_rfe);
    // empty when the rFE is the document element of the caller's document.
    std::optional<xml::XmlDocument> own;
    xmlNode* rfe = nullptr;  // in *own when set, otherwise in the caller's document
    const xmlNode* source = nullptr;  // the rFE where it stood (its lines are the input's lines)
    std::string wrapper;     // InvoiceReport::wrapper
};

// Finds the rFE of a parsed document: the document element itself, or the one held by
// rContFe/xFe (element), rEnviFe/xFe or rEnviLoteFe/xFe (the rFE as an escaped string, parsed
// with `limits`), rEnviFeDGI/rFE, each optionally in a SOAP 1.1/1.2 Envelope/Body (and
// feDatosMsg). A contained rFE is copied into a document of its own, declaring only the
// namespaces it uses, so that it is canonicalized (and its signature verified) exactly as when
// it stood alone: the container's in-scope namespaces do not leak into inclusive C14N.
// Errors: Errc::invalid_argument (no rFE where one is expected; the message says which
// container), Errc::parse_error / limit_exceeded / unsupported from parsing an xFe string.
Result<LocatedInvoice> locate_rfe(xml::XmlDocument& document, const xml::ParseLimits& limits);

// The model of an rFE element (lines from the parsed input, ds:Signature without its content).
Invoice model_of(const xmlNode* rfe);

// The first child element of `parent` named `name` in `ns`; nullptr when none.
xmlNode* child_element(const xmlNode* parent, std::string_view ns, std::string_view name) noexcept;

}  // namespace istmo::invoice::panama::detail
