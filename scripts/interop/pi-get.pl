#!/usr/bin/perl
# Fetches one URL from public-inbox's own web app (PublicInbox::WWW through Plack::Test),
# so tests can check that public-inbox serves an inbox Tidings wrote.
# usage: PI_CONFIG=... pi-get.pl PATH   (prints "STATUS\n" then the body)
use strict;
use warnings;
# taken off @ARGV before PublicInbox::WWW loads: its UserContent acts on a lone argument
my $path;
BEGIN { $path = shift @ARGV or die "usage: $0 PATH\n"; }
use Plack::Test;
use HTTP::Request::Common;
use PublicInbox::WWW;
my $www = PublicInbox::WWW->new;
my $app = sub { $www->call(@_) };
test_psgi($app, sub {
	my ($cb) = @_;
	my $res = $cb->(GET "http://example.com$path");
	binmode STDOUT;
	print $res->code, "\n", $res->content;
});
