#!/usr/bin/env python3
"""Every module a Swift file imports is declared as a dependency of its target in Package.swift
(a module reached only through another target's dependencies builds by chance). Usage:
scripts/check-imports.py [PACKAGE_DIR]; prints each undeclared import, exits 1 if there is one."""
import re, os, glob, sys
root=sys.argv[1] if len(sys.argv)>1 else '.'
pkg=open(os.path.join(root,'Package.swift')).read()
targets={}
for m in re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(name: "(\w+)"(.*?)\)(,\n|\n)', pkg, re.S):
    pass
# crude: split on '.target(' occurrences
parts=re.split(r'\n\s*\.(?=(?:target|executableTarget|testTarget|systemLibrary)\(name:)', pkg)
for part in parts[1:]:
    m=re.match(r'(target|executableTarget|testTarget|systemLibrary)\(name: "(\w+)"', part)
    kind,name=m.groups()
    deps=set(re.findall(r'"(\w+)"', part.split('path:')[0]))
    deps|=set(re.findall(r'\.product\(name: "(\w+)"', part))
    path=re.search(r'path: "([^"]+)"', part)
    d=path.group(1) if path else (('Tests/' if kind=='testTarget' else 'Sources/')+name)
    targets[name]=(d,deps)
system={'Foundation','Synchronization','Dispatch','Glibc','Testing','XCTest','PackageDescription','FoundationEssentials','os','Darwin'}
bad=0
for name,(d,deps) in targets.items():
    for f in glob.glob(os.path.join(root,d,'**/*.swift'),recursive=True):
        for line in open(f):
            m=re.match(r'\s*(?:@testable |@preconcurrency |@_spi\(\w+\) )?import (?:struct |enum |class )?(\w+)',line)
            if m:
                mod=m.group(1)
                if mod in system or mod in deps or mod==name: continue
                print(f"{name}: {os.path.relpath(f,root)} imports {mod} (undeclared)"); bad+=1
print(f"imports: {bad} undeclared" if bad else "imports: every import is declared in Package.swift")
sys.exit(1 if bad else 0)
