#!/usr/bin/perl
# Writes messages into a v2 inbox with public-inbox's own writer (PublicInbox::V2Writable),
# so tests can check that Tidings indexes what public-inbox wrote.
# usage: PI_CONFIG=... pi-write.pl INBOX-NAME FILE...
use strict;
use warnings;
use PublicInbox::Config;
use PublicInbox::Eml;
use PublicInbox::V2Writable;
my $name = shift or die "usage: $0 INBOX FILE...\n";
my $ibx = PublicInbox::Config->new->lookup_name($name) or die "no inbox $name\n";
my $w = PublicInbox::V2Writable->new($ibx, { nproc => 1 });
$w->init_inbox(0) unless -d "$ibx->{inboxdir}/git/0.git/objects";
my $n = 0;
for my $f (@ARGV) {
	open my $fh, '<', $f or die "$f: $!\n";
	my $s = do { local $/; <$fh> };
	my $r = $w->add(PublicInbox::Eml->new(\$s));
	$n++ if $r;
}
$w->done;
print "$n\n";
