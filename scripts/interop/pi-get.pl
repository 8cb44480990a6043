#!/usr/bin/perl
# Fetches one URL from public-inbox's own web app (PublicInbox::WWW through Plack::Test),
# so tests can check that public-inbox serves an inbox Tidings wrote.
# usage: PI_CONFIG=... pi-get.pl PATH   (prints "STATUS\n" then the body)
use strict;
use warnings;
use Plack::Test;
use HTTP::Request::Common;
use PublicInbox::WWW;
my $path = shift or die "usage: $0 PATH\n";
my $www = PublicInbox::WWW->new;
my $app = sub { $www->call(@_) };
test_psgi($app, sub {
	my ($cb) = @_;
	my $res = $cb->(GET "http://example.com$path");
	binmode STDOUT;
	print $res->code, "\n", $res->content;
});
