import Mirror

/// `manifest.js.gz`: grokmirror's manifest of every epoch of a scope's inboxes, gzipped, with
/// Last-Modified the newest commit of any of them. Epochs that did not change since the last
/// request are not asked again (`Site.manifests`).
enum ManifestFile {
    static func render(site: Site, scope: Scope) throws -> Reply {
        var m = Manifest()
        for ib in scope.inboxes {
            let title = site.scope(named: Substring(ib.name))?.title ?? ib.name
            m.add(inbox: ib.name, repository: ib.repository, description: title, cache: site.manifests)
        }
        var r = Reply(contentType: "application/gzip", body: .bytes(Array(buffer: try GzipStream.gzip(try m.json()))))
        r.compress = false
        if let t = m.modified { r.headers = [(.lastModified, URLs.httpDate(t))] }
        return r
    }
}
