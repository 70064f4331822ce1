#!/usr/bin/perl
# sisimai_grade.pl - Sisimai's verdict on bounce files, for bench_sisimai.sh.
#
#   perl sisimai_grade.pl grade FILE...   one line per delivery-status record:
#       file <TAB> recipient <TAB> hard <TAB> reason <TAB> status <TAB> reply code
#     hard is "true" (hard bounce), "false" (soft) or "" (Sisimai gives no
#     verdict); a file Sisimai cannot read as a bounce prints one line with an
#     empty recipient and reason "not-a-bounce".
#   perl sisimai_grade.pl time FILE...    parses every file (FILEs may repeat) and
#     prints only "files=N records=M": the speed baseline.
#
# Works with Sisimai 4 (Sisimai->make, Sisimai::Data->softbounce: 1 soft, 0 hard,
# -1 unknown) and Sisimai 5 (Sisimai->rise, Sisimai::Fact->hardbounce).
use strict;
use warnings;
use Sisimai;

my $mode = shift @ARGV // '';
die "usage: $0 grade|time FILE...\n" unless $mode eq 'grade' || $mode eq 'time';
my $parse = Sisimai->can('rise') ? sub { Sisimai->rise($_[0]) } : sub { Sisimai->make($_[0]) };

sub hard_of {
	my $d = shift;
	return $d->hardbounce ? 'true' : 'false' if $d->can('hardbounce');
	my $s = $d->softbounce;
	return '' unless defined $s;
	return $s == 0 ? 'true' : $s == 1 ? 'false' : '';
}

sub str { my $v = shift; $v = '' unless defined $v; $v =~ s/[\t\r\n]+/ /g; return $v }

my ($files, $records) = (0, 0);
binmode STDOUT, ':encoding(UTF-8)';
for my $f (@ARGV) {
	my $v = $parse->($f);
	$files++;
	if ($mode eq 'time') {
		$records += scalar @$v if $v;
		next;
	}
	unless ($v && @$v) {
		print join("\t", $f, '', '', 'not-a-bounce', '', ''), "\n";
		next;
	}
	for my $d (@$v) {
		my $rcpt = ref $d->recipient ? $d->recipient->address : $d->recipient;
		print join("\t", $f, str($rcpt), hard_of($d), str($d->reason),
			str($d->deliverystatus), str($d->replycode)), "\n";
	}
}
print "files=$files records=$records\n" if $mode eq 'time';
