#include "common.hpp"

#include "exit_codes.hpp"
#include "lang.hpp"

#include <istmo/report/messages.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace istmo_cli {

const char* exit_codes_text() noexcept { return lang() == Lang::es ? exit_codes_help_es : exit_codes_help; }

namespace {

// strerror in the language of the messages for the errors a user meets; the C library's text
// (English in the C locale) otherwise.
std::string error_text(int err) {
    switch (err) {
        case ENOENT: return tr("No such file or directory", "no existe el archivo o directorio");
        case EACCES: return tr("Permission denied", "permiso denegado");
        case ENOSPC: return tr("No space left on device", "no queda espacio en el dispositivo");
        default: return std::strerror(err);
    }
}

}  // namespace

void print_error(std::string_view message) {
    std::cerr << "istmo: " << message << '\n';
}

int usage_error(std::string_view message, std::string_view short_usage) {
    print_error(message);
    std::cerr << short_usage;
    return exit_usage;
}

std::string error_text(std::string_view context, const istmo::Error& error) {
    std::string text(context);
    if (!text.empty()) text += ": ";
    if (error.message.empty()) {
        text += istmo::errc_name(error.code);
    } else {
        // The library's messages are English; the catalogue knows the common ones in Spanish.
        const auto spanish = lang() == Lang::es ? istmo::report::translate_text(error.message) : std::nullopt;
        text += spanish ? *spanish : error.message;
    }
    if (error.line > 0) {
        text += tr(" (line ", " (línea ") + std::to_string(error.line);
        if (error.column > 0) text += tr(", column ", ", columna ") + std::to_string(error.column);
        text += ')';
    }
    // The lower-level cause (OpenSSL/libxml2 error queues) is long and rarely helps a user;
    // ISTMO_DEBUG=1 shows it.
    const char* debug = std::getenv("ISTMO_DEBUG");
    const bool show_cause = error.message.empty() || (debug != nullptr && *debug != '\0' && *debug != '0');
    if (show_cause && !error.cause.empty()) text += ": " + error.cause;
    return text;
}

int report_error(std::string_view context, const istmo::Error& error) {
    print_error(error_text(context, error));
    return exit_code_for(error.code);
}

namespace {

// Reads a whole stream with fread (iostream iterators trip GCC 12's -Wnull-dereference).
bool read_all(std::FILE* file, std::string& data) {
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) data.append(buffer, n);
    return std::ferror(file) == 0;
}

}  // namespace

std::optional<std::string> read_input(const std::string& path, int& exit_code) {
    std::string data;
    if (path == "-") {
        if (!read_all(stdin, data)) {
            print_error(tr("cannot read standard input", "no se puede leer la entrada estándar"));
            exit_code = exit_io;
            return std::nullopt;
        }
        return data;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        print_error(tr("cannot read '" + path + "': is a directory", "no se puede leer '" + path + "': es un directorio"));
        exit_code = exit_no_input;
        return std::nullopt;
    }
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        const int err = errno;
        print_error(tr("cannot open '", "no se puede abrir '") + path + "': " + error_text(err));
        exit_code = exit_no_input;
        return std::nullopt;
    }
    const bool ok = read_all(file, data);
    std::fclose(file);
    if (!ok) {
        print_error(tr("cannot read '", "no se puede leer '") + path + "'");
        exit_code = exit_io;
        return std::nullopt;
    }
    return data;
}

int write_output(const std::string& path, std::string_view data) {
    if (path.empty() || path == "-") {
        std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
        std::cout.flush();
        if (!std::cout) {
            print_error(tr("cannot write to standard output", "no se puede escribir en la salida estándar"));
            return exit_io;
        }
        return exit_ok;
    }
    // Write next to the target and rename, so a failed write never leaves half a file.
    const std::string temp = path + ".istmo-tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) {
            const int err = errno;
            print_error(tr("cannot write '", "no se puede escribir '") + path + "': " + error_text(err != 0 ? err : EIO));
            return exit_io;
        }
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out) {
            const int err = errno;
            out.close();
            std::remove(temp.c_str());
            print_error(tr("cannot write '", "no se puede escribir '") + path + "': " + error_text(err != 0 ? err : EIO));
            return exit_io;
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        std::remove(temp.c_str());
        print_error(tr("cannot write '", "no se puede escribir '") + path + "': " + error_text(err));
        return exit_io;
    }
    return exit_ok;
}

// Standard base64 (RFC 4648 §4, padding optional, whitespace not allowed); nullopt when invalid.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    auto value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::vector<std::uint8_t> out;
    unsigned int buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value_of(c);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned int>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFFu));
        }
    }
    return out;
}

}  // namespace istmo_cli
