import Index

extension Scope {
    /// The crash reports of the message `mid`, from the first inbox of the scope that has any.
    func crashes(mid: String) throws -> [CrashSighting] {
        for ib in inboxes {
            let found = try ib.index.crashes(in: mid)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// Messages of every inbox of the scope reporting the crash `signatureID`, oldest first, and
    /// how many there are in all.
    func crashReports(signature signatureID: String, limit: Int) throws -> (total: Int, sightings: [CrashSighting]) {
        var total = 0
        var all: [CrashSighting] = []
        for ib in inboxes {
            let (n, found) = try ib.index.crashReports(signature: signatureID, limit: limit)
            total += n
            all += found
        }
        all.sort { ($0.row.ts, $0.row.num) < ($1.row.ts, $1.row.num) }
        return (total, Array(all.prefix(limit)))
    }

    /// Crash signatures of every inbox of the scope, the most recently reported first, last
    /// reported before `before`; a crash reported in several inboxes is one entry.
    func crashSignatures(before: Int64?, limit: Int) throws -> [CrashSummary] {
        var byID: [String: CrashSummary] = [:]
        for ib in inboxes {
            for s in try ib.index.crashSignatures(limit: limit, before: before) {
                guard var m = byID[s.signatureID] else {
                    byID[s.signatureID] = s
                    continue
                }
                m.messages += s.messages
                m.threads += s.threads
                if s.firstSeen < m.firstSeen { (m.firstSeen, m.sample) = (s.firstSeen, s.sample) }
                m.lastSeen = max(m.lastSeen, s.lastSeen)
                m.answers = (m.answers + s.answers).sorted { $0.ts < $1.ts }
                byID[s.signatureID] = m
            }
        }
        let out = byID.values.sorted { ($0.lastSeen, $0.signatureID) > ($1.lastSeen, $1.signatureID) }
        // as `ArchiveIndex.crashSignatures`: a full page takes every crash last seen with its last
        guard out.count > limit else { return out }
        let edge = out[limit - 1].lastSeen
        return Array(out.prefix { $0.lastSeen >= edge })
    }
}
