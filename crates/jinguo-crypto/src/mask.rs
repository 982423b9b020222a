//! Masking for screens and exports (DESIGN.md principle 3).

/// `420502199001011234` → `420502********1234`.
pub fn id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `13812345678` → `138****5678`.
pub fn phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// `张三` → `张*`, `欧阳娜娜` → `欧***`.
pub fn name(n: &str) -> String {
    let mut chars = n.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_as_the_design_shows() {
        assert_eq!(super::id_number("420502199001011234"), "420502********1234");
        assert_eq!(super::phone("13812345678"), "138****5678");
        assert_eq!(super::name("张三"), "张*");
        assert_eq!(super::name("欧阳娜娜"), "欧***");
    }
}
