import CGMime

/// A mailbox from an address header: display name (RFC 2047 decoded) and address.
public struct Address: Sendable, Equatable, Hashable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// Name if there is one, else the address.
    public var displayName: String { name.isEmpty ? email : name }

    /// `Name <email>` (name quoted when it needs to be), or the bare address.
    public var formatted: String {
        if name.isEmpty { return email }
        let special = name.contains { "()<>[]:;@\\,.\"".contains($0) }
        let n =
            special ? "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" : name
        return "\(n) <\(email)>"
    }

    /// Parses an address header value (folded or not, RFC 2047 names, groups flattened to their members).
    public static func parseList(_ raw: String) -> [Address] {
        _ = GMimeRuntime.ready
        guard let list = raw.withCString({ internet_address_list_parse(nil, $0) }) else { return [] }
        defer { tg_unref(UnsafeMutableRawPointer(list)) }
        var out: [Address] = []
        collect(list, into: &out, depth: 0)
        return out
    }

    private static func collect(_ list: UnsafeMutablePointer<InternetAddressList>, into out: inout [Address], depth: Int) {
        let n = internet_address_list_length(list)
        guard n > 0, depth < 4 else { return }
        for i in 0..<n {
            guard let ia = internet_address_list_get_address(list, i) else { continue }
            if tg_is_address_group(ia) != 0 {
                if let members = internet_address_group_get_members(tg_as_group(ia)) {
                    collect(members, into: &out, depth: depth + 1)
                }
            } else if tg_is_address_mailbox(ia) != 0 {
                let name = internet_address_get_name(ia).map { String(cString: $0) } ?? ""
                let addr = internet_address_mailbox_get_addr(tg_as_mailbox(ia)).map { String(cString: $0) } ?? ""
                if addr.isEmpty && name.isEmpty { continue }
                out.append(Address(name: name.trimmingASCIIWhitespace(), email: addr.trimmingASCIIWhitespace()))
            }
        }
    }
}
