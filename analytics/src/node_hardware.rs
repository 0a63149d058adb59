//! The machines validator nodes run on (`node_hardware.csv`): for each of
//! the three node classes, real models with the manufacturer's product
//! carbon footprint. Their weights give a proof-of-stake fleet's e-waste,
//! and the emissions of making and shipping them its hardware share of
//! the value chain (MiCA's S.20). Mining machines have no such data here.

use blockwatt_domain::Bounds;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::bibliography::References;
use crate::catalogue::{bad, positive, rows};
use crate::error::Result;
use crate::Inputs;

/// The node classes in the order of `chains.csv`'s node power (low,
/// medium, high) and `pos::CLASS_WEIGHTS`.
pub const NODE_CLASSES: [&str; 3] = ["home", "professional", "cloud"];

/// One model standing for a node class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeMachine {
    /// Index into [`NODE_CLASSES`].
    pub class: usize,
    pub manufacturer: String,
    pub model: String,
    pub weight_kg: f64,
    /// Manufacture and transport, kgCO2e.
    pub embodied_kgco2e: f64,
    /// The use period the footprint assumes.
    pub pcf_lifetime_years: f64,
    pub source: String,
}

/// The models, and per class the median of its models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeHardware {
    pub machines: Vec<NodeMachine>,
    pub weight_kg: [f64; 3],
    pub embodied_kgco2e: [f64; 3],
}

impl NodeHardware {
    /// The median of the lifetimes the footprints assume.
    pub fn pcf_lifetime_years(&self) -> f64 {
        median(self.machines.iter().map(|m| m.pcf_lifetime_years).collect())
    }
}

/// Each class needs a few models, so that its median means something.
const MIN_MODELS_PER_CLASS: usize = 3;

#[derive(Deserialize)]
struct Row {
    class: String,
    manufacturer: String,
    model: String,
    weight_kg: f64,
    embodied_kgco2e: f64,
    pcf_lifetime_years: f64,
    source: String,
}

const C: &str = "node_hardware";

pub(crate) fn parse_node_hardware(text: &str, refs: &References) -> Result<NodeHardware> {
    let mut machines: Vec<NodeMachine> = Vec::new();
    for (line, r) in rows::<Row>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        let class = NODE_CLASSES
            .iter()
            .position(|c| *c == r.class)
            .ok_or_else(|| {
                bad(
                    C,
                    line,
                    format!("class {:?} is not one of {NODE_CLASSES:?}", r.class),
                )
            })?;
        let m = NodeMachine {
            class,
            weight_kg: positive(C, line, "weight_kg", r.weight_kg)?,
            embodied_kgco2e: positive(C, line, "embodied_kgco2e", r.embodied_kgco2e)?,
            pcf_lifetime_years: positive(C, line, "pcf_lifetime_years", r.pcf_lifetime_years)?,
            manufacturer: r.manufacturer,
            model: r.model,
            source: r.source,
        };
        if machines
            .iter()
            .any(|o| o.class == m.class && o.manufacturer == m.manufacturer && o.model == m.model)
        {
            return Err(bad(
                C,
                line,
                format!("{} {} twice in {}", m.manufacturer, m.model, r.class),
            ));
        }
        machines.push(m);
    }
    let class_median = |class: usize, f: &dyn Fn(&NodeMachine) -> f64| -> Result<f64> {
        let values: Vec<f64> = machines
            .iter()
            .filter(|m| m.class == class)
            .map(f)
            .collect();
        if values.len() < MIN_MODELS_PER_CLASS {
            return Err(bad(
                C,
                0,
                format!(
                    "class {} has {} models, fewer than {MIN_MODELS_PER_CLASS}",
                    NODE_CLASSES[class],
                    values.len()
                ),
            ));
        }
        Ok(median(values))
    };
    let per_class = |f: &dyn Fn(&NodeMachine) -> f64| -> Result<[f64; 3]> {
        Ok([
            class_median(0, f)?,
            class_median(1, f)?,
            class_median(2, f)?,
        ])
    };
    Ok(NodeHardware {
        weight_kg: per_class(&|m| m.weight_kg)?,
        embodied_kgco2e: per_class(&|m| m.embodied_kgco2e)?,
        machines,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The input an estimate of proof-of-stake nodes records the yearly
/// emissions of making its fleet under (t CO2e a year).
pub const EMBODIED_INPUT: &str = "hardware_embodied_co2e_t_per_year";

/// The fleet's manufacture and transport emissions spread over its
/// lifetime, as an estimate recorded them.
pub fn embodied_t_per_year(inputs: &Inputs) -> Option<Bounds> {
    crate::input_bounds(inputs, EMBODIED_INPUT)
}

/// Records `b` as the fleet's yearly manufacture and transport emissions.
pub fn set_embodied_t_per_year(inputs: &mut Inputs, b: Bounds) {
    inputs.insert(EMBODIED_INPUT.into(), json!(b));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{CatalogueSources, Catalogues};

    fn parse(rows: &str) -> Result<NodeHardware> {
        let c = Catalogues::parse(CatalogueSources::embedded()).unwrap();
        let text = format!(
            "class,manufacturer,model,weight_kg,embodied_kgco2e,pcf_lifetime_years,source\n{rows}"
        );
        parse_node_hardware(&text, &c.references)
    }

    fn row(class: &str, model: &str, kg: f64, co2: f64) -> String {
        format!("{class},M,{model},{kg},{co2},4,[boavizta-efd-2023] x\n")
    }

    #[test]
    fn each_class_is_its_models_median() {
        let mut text = String::new();
        for (class, base) in [("home", 1.0), ("professional", 10.0), ("cloud", 100.0)] {
            for (i, k) in [3.0, 1.0, 2.0, 10.0].iter().enumerate() {
                text += &row(class, &format!("m{i}"), base * k, 100.0 * base * k);
            }
        }
        let h = parse(&text).unwrap();
        // Four models: the median is the mean of the middle two (2 and 3).
        assert_eq!(h.weight_kg, [2.5, 25.0, 250.0]);
        assert_eq!(h.embodied_kgco2e, [250.0, 2500.0, 25000.0]);
        assert_eq!(h.pcf_lifetime_years(), 4.0);
    }

    #[test]
    fn rows_that_cannot_be_are_refused() {
        let three = |class: &str| {
            (0..3)
                .map(|i| row(class, &format!("m{i}"), 1.0, 1.0))
                .collect::<String>()
        };
        let full = three("home") + &three("professional") + &three("cloud");
        assert!(parse(&full).is_ok());
        for (extra, says) in [
            (row("laptop", "x", 1.0, 1.0), "is not one of"),
            (row("home", "y", 0.0, 1.0), "weight_kg must be positive"),
            (
                row("home", "y", 1.0, -1.0),
                "embodied_kgco2e must be positive",
            ),
            (row("home", "m0", 1.0, 1.0), "M m0 twice in home"),
        ] {
            let e = parse(&(full.clone() + &extra)).unwrap_err().to_string();
            assert!(e.contains(says), "{extra}: {e}");
        }
        let e = parse(&(three("home") + &three("cloud")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("class professional has 0 models"), "{e}");
    }

    #[test]
    fn the_embodied_input_reads_back_as_written() {
        let mut inputs = Inputs::new();
        assert_eq!(embodied_t_per_year(&inputs), None);
        set_embodied_t_per_year(&mut inputs, Bounds::new(1.0, 2.0, 3.0));
        assert_eq!(
            embodied_t_per_year(&inputs),
            Some(Bounds::new(1.0, 2.0, 3.0))
        );
    }
}
